using System;
using System.IO;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>Save, Load and ExportOnnx: a loaded network is the saved one, bit for bit, in both precisions and for every layer kind.</summary>
public class ModelFileTests
{
    private static Type Element(Precision p) => p == Precision.Single ? typeof(float) : typeof(double);

    private static NeuralNetwork Trained(NetworkCase c, Precision precision)
    {
        var net = c.Create();
        Calls.Fit(new Trainer(net, new SGDMomentum(0.05, 0.9)), c.X(Element(precision), 24), c.Y(Element(precision), 24),
            new FitOptions { Epochs = 2, BatchSize = 8 });
        return net;
    }

    [Theory]
    [MemberData(nameof(NetworkCase.NamesAndPrecisions), MemberType = typeof(NetworkCase))]
    public void A_loaded_network_predicts_bit_for_bit_as_the_saved_one(string name, Precision precision)
    {
        var c = NetworkCase.Find(name);
        var net = Trained(c, precision);
        var path = TestData.TempFile("model.safetensors");
        net.Save(path);
        var loaded = NeuralNetwork.Load(path);

        Assert.Equal(precision, loaded.Precision);
        Assert.Equal(net.Layers, loaded.Layers);
        Assert.Equal(net.Loss, loaded.Loss);
        Assert.Equal(net.Seed, loaded.Seed);
        Assert.Equal(c.Sample, loaded.InputShape);
        Assert.Equal(net.GetParameters().Select(p => p.Values), loaded.GetParameters().Select(p => p.Values));
        var x = c.X(Element(precision), 9, seed: 5);
        Assert.Equal(Calls.Predict(net, x), Calls.Predict(loaded, x));
        Assert.Equal(net.ToString(), loaded.ToString());
    }

    [Fact]
    public void A_loaded_network_trains_on_like_the_saved_one()
    {
        var (x, y, _, _) = TestData.Small();
        var a = TestData.LinearRegression();
        new Trainer(a, new SGD(0.05)).Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 8 });
        var path = TestData.TempFile("a.safetensors");
        a.Save(path);
        var b = NeuralNetwork.Load(path);
        var more = new FitOptions { Epochs = 2, BatchSize = 8, Restart = false, Seed = 9 };
        new Trainer(a, new SGD(0.05)).Fit(x, y, more);
        new Trainer(b, new SGD(0.05)).Fit(x, y, more);
        Assert.Equal(a.Predict(x), b.Predict(x));
    }

    [Fact]
    public void Saving_needs_parameters_and_a_writable_place_and_loading_a_model_file()
    {
        var fresh = TestData.LinearRegression();
        Assert.Throws<InvalidOperationException>(() => fresh.Save(TestData.TempFile("m.safetensors")));
        Assert.Throws<InvalidOperationException>(() => fresh.ExportOnnx(TestData.TempFile("m.onnx")));
        fresh.Initialize([3]);
        var folder = Path.GetDirectoryName(TestData.TempFile("x"))!;
        Assert.Throws<global::DeepFunctional.FileWriteException>(() => fresh.Save(folder));
        var junk = TestData.TempFile("junk.safetensors");
        File.WriteAllText(junk, "not a model");
        var e = Assert.Throws<global::DeepFunctional.DataFormatException>(() => NeuralNetwork.Load(junk));
        Assert.Equal(junk, e.SourceName);
        Assert.ThrowsAny<IOException>(() => NeuralNetwork.Load(TestData.TempFile("missing.safetensors")));
        Assert.Throws<ArgumentNullException>(() => NeuralNetwork.Load(null!));
    }

    [Theory]
    [InlineData("dense", Precision.Double)]
    [InlineData("conv and pools", Precision.Single)]
    [InlineData("LSTM", Precision.Single)]
    [InlineData("GRU and SimpleRNN", Precision.Double)]
    public void ExportOnnx_writes_an_ONNX_model_file(string name, Precision precision)
    {
        var net = Trained(NetworkCase.Find(name), precision);
        var path = TestData.TempFile("model.onnx");
        net.ExportOnnx(path);
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 100);
        Assert.Equal(0x08, bytes[0]); // field 1 (ir_version), varint: every ONNX ModelProto starts so
        Assert.Contains("DeepFunctional", System.Text.Encoding.ASCII.GetString(bytes)); // the producer name
    }

    [Theory]
    [InlineData(Precision.Double)]
    [InlineData(Precision.Single)]
    public void A_character_model_saved_and_loaded_samples_the_same_text(Precision precision)
    {
        const string text = "to be or not to be that is the question whether tis nobler in the mind to suffer";
        var model = new CharacterModel(text, hiddenSize: 8, seed: 2, precision: precision);
        var result = model.Train(text, new CharacterTrainingOptions { Iterations = 5, BatchSize = 4, SequenceLength = 6, SampleEvery = 0 });
        Assert.Equal(5, result.Losses.Count);
        var path = TestData.TempFile("chars.safetensors");
        model.Save(path);
        var loaded = CharacterModel.Load(path);
        Assert.Equal(precision, loaded.Precision);
        Assert.Equal(model.Vocabulary, loaded.Vocabulary);
        Assert.Equal(model.Sample('t', 40, seed: 3), loaded.Sample('t', 40, seed: 3));
        Assert.Equal(model.Network.GetParameters().Select(p => p.Values), loaded.Network.GetParameters().Select(p => p.Values));
        Assert.Throws<global::DeepFunctional.DataFormatException>(() =>
        {
            var net = TestData.LinearRegression();
            net.Initialize([3]);
            var p = TestData.TempFile("plain.safetensors");
            net.Save(p);
            CharacterModel.Load(p);
        });
    }
}

/// <summary>ONNX Runtime, the real client of an export, computes what the network predicts.</summary>
public class OnnxRuntimeTests
{
    [Theory]
    [InlineData("dense")]
    [InlineData("conv and pools")]
    [InlineData("LSTM")]
    [InlineData("GRU and SimpleRNN")]
    public void ONNX_Runtime_computes_the_networks_predictions_in_float(string name)
    {
        var c = NetworkCase.Find(name);
        var net = c.Create();
        Calls.Fit(new Trainer(net, new SGD(0.05)), c.X(typeof(float), 16), c.Y(typeof(float), 16), new FitOptions { Epochs = 1, BatchSize = 8 });
        var path = TestData.TempFile("model.onnx");
        net.ExportOnnx(path);
        var x = c.X(typeof(float), 5, seed: 7);
        var expected = ((Array)Calls.Predict(net, x)).Cast<float>().ToArray();
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.Cast<float>().ToArray(),
            Enumerable.Range(0, x.Rank).Select(x.GetLength).ToArray());
        using var results = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("x", input)]);
        var actual = results.First().AsEnumerable<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], 4);
    }
}
