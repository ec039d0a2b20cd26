using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>float[,] runs the network in single precision; crossing precisions converts the parameters.</summary>
public class PrecisionTests
{
    [Fact]
    public void The_chapter_3_network_trains_in_single_precision_close_to_the_double_precision_run()
    {
        var d = BostonHousing.BookSplit();
        var s = BostonHousing.BookSplitSingle();
        var netD = TestData.OneHiddenLayer();
        var netS = TestData.OneHiddenLayer();
        var rd = new Trainer(netD, new SGD(0.01)) { Output = null }.Fit(d.XTrain, d.YTrain, d.XTest, d.YTest, epochs: 50, seed: 20190501);
        var rs = new Trainer(netS, new SGD(0.01)) { Output = null }.Fit(s.XTrain, s.YTrain, s.XTest, s.YTest, epochs: 50, seed: 20190501);

        Assert.Equal(Precision.Single, rs.Precision);
        Assert.Equal(Precision.Single, netS.Precision);
        Assert.Equal(rd.Evaluations.Select(e => e.Epoch), rs.Evaluations.Select(e => e.Epoch));
        for (int i = 0; i < rd.Evaluations.Count; i++)
        {
            double a = rd.Evaluations[i].Loss, b = rs.Evaluations[i].Loss;
            Assert.True(double.IsFinite(b) && Math.Abs(a - b) <= 1e-3 * a, $"epoch {rd.Evaluations[i].Epoch}: double {a}, single {b}");
        }
        // Really computed in single precision: the unrounded losses are not the double ones.
        Assert.Contains(Enumerable.Range(0, rd.Evaluations.Count), i => rd.Evaluations[i].Loss != rs.Evaluations[i].Loss);

        var m = netS.Evaluate(s.XTest, s.YTest);
        Assert.InRange(m.MeanAbsoluteError, 2.5, 2.7);
        Assert.InRange(m.RootMeanSquaredError, 3.9, 4.2);
        float[,] p = netS.Predict(s.XTest);
        Assert.Equal(152, p.GetLength(0));
        Assert.Equal(1, p.GetLength(1));
        Assert.All(netS.GetParameters().SelectMany(l => l.Weights.Cast<double>().Concat(l.Bias.Cast<double>())),
            v => Assert.Equal(v, (double)(float)v));
    }

    [Fact]
    public void A_double_trained_network_predicts_float_input_with_parameters_rounded_to_single_and_keeps_its_own()
    {
        var data = BostonHousing.BookSplit();
        var net = TestData.OneHiddenLayer();
        new Trainer(net, new SGD(0.01)) { Output = null }.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 10, seed: 1);
        var before = net.GetParameters();

        double[,] pd = net.Predict(data.XTest);
        float[,] ps = net.Predict(Matrix.ToSingle(data.XTest));
        for (int i = 0; i < pd.GetLength(0); i++)
            Assert.True(Math.Abs(pd[i, 0] - ps[i, 0]) <= 1e-4 * Math.Max(1, Math.Abs(pd[i, 0])), $"row {i}: {pd[i, 0]} vs {ps[i, 0]}");

        Assert.Equal(Precision.Double, net.Precision);
        Assert.Equal(before[0].Weights, net.GetParameters()[0].Weights);
        Assert.Equal(pd, net.Predict(data.XTest));
        double lossS = net.Loss(Matrix.ToSingle(data.XTest), Matrix.ToSingle(data.YTest));
        Assert.Equal(net.Loss(data.XTest, data.YTest), lossS, 3);
    }

    [Fact]
    public void Continuing_training_in_the_other_precision_starts_from_the_converted_parameters()
    {
        var data = TestData.Small();
        var net = TestData.LinearRegression();
        var trainer = new Trainer(net, new SGD(0.05)) { Output = null };
        var first = trainer.Fit(data.XTrain, data.YTrain, data.XTest, data.YTest, epochs: 20, evalEvery: 5, batchSize: 8);
        var single = new TrainTestSplit<float>(
            Matrix.ToSingle(data.XTrain), Matrix.ToSingle(data.YTrain), Matrix.ToSingle(data.XTest), Matrix.ToSingle(data.YTest));
        var more = trainer.Fit(single.XTrain, single.YTrain, single.XTest, single.YTest, epochs: 1, evalEvery: 1, batchSize: 8, restart: false);
        Assert.Equal(Precision.Single, net.Precision);
        Assert.True(more.Evaluations[0].Loss < 0.01, $"expected a trained model's loss, got {more.Evaluations[0].Loss}");
        Assert.True(first.Evaluations[^1].Loss < 0.01);
    }

    [Fact]
    public void Matrix_conversions_round_to_single_and_widen_exactly()
    {
        var d = BostonHousing.BookSplit();
        var s = BostonHousing.BookSplitSingle();
        Assert.Equal(s.XTrain, Matrix.ToSingle(d.XTrain));
        Assert.Equal(Matrix.ToDouble(s.XTest).Cast<double>(), s.XTest.Cast<float>().Select(v => (double)v));
    }
}
