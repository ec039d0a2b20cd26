using System;
using System.IO;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>MNIST-format files: image sets, writing and reading IDX files, the book's preparation, and the errors.</summary>
public class MnistTests
{
    [Fact]
    public void An_image_set_keeps_its_pixels_and_labels_and_gives_them_as_numbers()
    {
        var set = new ImageSet(rows: 2, columns: 3, classes: 4, pixels: [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255], labels: [3, 0]);
        Assert.Equal((2, 2, 3, 6, 4), (set.Count, set.Rows, set.Columns, set.PixelsPerImage, set.Classes));
        Assert.Equal([3, 0], set.Labels);
        Assert.Equal(255, set.Pixels.Span[11]);
        Assert.Equal(new double[,] { { 0, 1, 2, 3, 4, 5 }, { 250, 251, 252, 253, 254, 255 } }, set.ToMatrix());
        Assert.Equal(255f, set.ToMatrixSingle()[1, 5]);
        Assert.Equal("2 images of 2x3, 4 classes", set.ToString());
    }

    [Fact]
    public void An_image_set_refuses_pixels_that_do_not_fit_and_labels_outside_its_classes()
    {
        var pixels = Assert.Throws<ShapeMismatchException>(() => new ImageSet(2, 2, 10, new byte[7], [1, 2]));
        Assert.StartsWith("Idx.imageSet: expected 8 pixels for 2 images of 2x2, got 7 pixels", pixels.Message);
        var label = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new ImageSet(1, 1, 3, new byte[2], [1, 3]));
        Assert.StartsWith("Idx.imageSet: expected labels in 0..2, got label 3 at index 1", label.Message);
        Assert.Equal("rows", Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new ImageSet(0, 1, 3, [], [])).ParamName);
        Assert.Throws<ArgumentNullException>(() => new ImageSet(1, 1, 3, null!, []));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_folder_written_in_MNIST_format_reads_back_the_same_raw_or_gzipped(bool gzip)
    {
        using var folder = SyntheticImages.WriteFolder(gzip);
        Assert.Equal(gzip, File.Exists(folder.File("train-images-idx3-ubyte.gz")));
        var original = SyntheticImages.DataSet();
        var read = Mnist.LoadFolder(folder.Path);
        Assert.Equal(original.Train.Pixels.ToArray(), read.Train.Pixels.ToArray());
        Assert.Equal(original.Train.Labels, read.Train.Labels);
        Assert.Equal(original.Test.Pixels.ToArray(), read.Test.Pixels.ToArray());
        Assert.Equal(original.Test.Labels, read.Test.Labels);
        Assert.Equal("train: 600 images of 6x6, 10 classes; test: 200 images of 6x6, 10 classes", read.ToString());
        var again = Mnist.LoadImageSet(folder.File(Mnist.FileNames[2] + (gzip ? ".gz" : "")), folder.File(Mnist.FileNames[3] + (gzip ? ".gz" : "")));
        Assert.Equal(read.Test.Labels, again.Labels);
    }

    [Fact]
    public void Missing_folders_and_files_are_named()
    {
        using var folder = new TempFolder();
        string nowhere = Path.Combine(folder.Path, "nowhere");
        Assert.Contains(nowhere, Assert.Throws<DirectoryNotFoundException>(() => Mnist.LoadFolder(nowhere)).Message);
        SyntheticImages.DataSet().Train.Save(folder.File("train-images-idx3-ubyte"), folder.File("train-labels-idx1-ubyte"));
        var missing = Assert.Throws<FileNotFoundException>(() => Mnist.LoadFolder(folder.Path));
        Assert.Equal($"Idx.loadMnistFolder: found no t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz) in '{folder.Path}'", missing.Message);
        Assert.Throws<ArgumentNullException>(() => Mnist.LoadFolder(null!));
    }

    [Fact]
    public void A_malformed_file_fails_with_one_line_naming_the_file_and_the_problem()
    {
        using var folder = SyntheticImages.WriteFolder();
        // A label file where the training images should be.
        File.Copy(folder.File("t10k-labels-idx1-ubyte"), folder.File("train-images-idx3-ubyte"), overwrite: true);
        var swapped = Assert.Throws<DataFormatException>(() => Mnist.LoadFolder(folder.Path));
        Assert.StartsWith(folder.File("train-images-idx3-ubyte") + ": found magic number 0x00000801", swapped.Message);
        Assert.Contains("label file", swapped.Message);
        Assert.DoesNotContain("\n", swapped.Message);

        using var cut = SyntheticImages.WriteFolder();
        var bytes = File.ReadAllBytes(cut.File("t10k-labels-idx1-ubyte"));
        File.WriteAllBytes(cut.File("t10k-labels-idx1-ubyte"), bytes[..100]);
        var truncated = Assert.Throws<DataFormatException>(() => Mnist.LoadFolder(cut.Path));
        Assert.StartsWith(cut.File("t10k-labels-idx1-ubyte") + ": the data is truncated", truncated.Message);
    }

    [Fact]
    public void The_books_preparation_standardises_with_the_training_pixels_statistics_and_one_hots_the_labels()
    {
        var data = SyntheticImages.DataSet();
        var split = data.BookSplit();
        var raw = data.Train.Pixels.ToArray().Select(b => (double)b).ToArray();
        double mean = raw.Average();
        double std = Math.Sqrt(raw.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(mean, split.Mean, 1e-10);
        Assert.Equal(std, split.Std, 1e-10);
        Assert.Equal((600, 200, 36, 10, Precision.Double), (split.TrainCount, split.TestCount, split.Features, split.Classes, split.Precision));
        Assert.Equal(data.Train.Labels, split.TrainLabels);
        Assert.Equal(data.Test.Labels, split.TestLabels);

        var arrays = split.ToSplit();
        Assert.Equal((data.Test.Pixels.Span[5 * 36 + 7] - split.Mean) / split.Std, arrays.XTest[5, 7], 15);
        Assert.Equal((raw[36 + 2] - split.Mean) / split.Std, arrays.XTrain[1, 2], 15);
        Assert.Equal(Classification.OneHot(data.Test.Labels.ToArray(), 10), arrays.YTest);
        Assert.Equal(Classification.OneHot(data.Train.Labels.ToArray(), 10), arrays.YTrain);
        Assert.Equal(0.0, Enumerable.Range(0, 600).Sum(i => Enumerable.Range(0, 36).Sum(j => arrays.XTrain[i, j])) / (600 * 36), 10);
        arrays.XTrain[0, 0] = 99;
        Assert.NotEqual(99, split.ToSplit().XTrain[0, 0]);

        var single = data.BookSplitSingle();
        Assert.Equal(Precision.Single, single.Precision);
        Assert.Equal((float)arrays.XTest[5, 7], single.ToSplit().XTest[5, 7]);
        Assert.Equal("600 training and 200 test rows of 36 features, 10 classes, single precision", single.ToString());
    }

    [Fact]
    public void A_data_set_refuses_test_images_of_another_size_or_number_of_classes()
    {
        var train = SyntheticImages.Make(20, 1);
        Assert.Throws<ShapeMismatchException>(() => new ImageDataSet(train, new ImageSet(5, 5, 10, new byte[25], [1])));
        var classes = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new ImageDataSet(train, SyntheticImages.Make(20, 2, classes: 9)));
        Assert.StartsWith("ImageDataSet: expected a test set of 10 classes like the training set, got 9 classes", classes.Message);
        var flat = new ImageDataSet(new ImageSet(1, 2, 10, new byte[4], [0, 1]), new ImageSet(1, 2, 10, new byte[2], [0]));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => flat.BookSplit());
    }

    [Fact]
    public void Classification_data_from_arrays_one_hots_the_labels_and_checks_the_shapes()
    {
        var data = new ClassificationData<double>(new double[,] { { 1, 2 }, { 3, 4 } }, [1, 0], new double[,] { { 5, 6 } }, [2], classes: 3);
        Assert.Equal((0.0, 1.0, 2, 3), (data.Mean, data.Std, data.Features, data.Classes));
        var split = data.ToSplit();
        Assert.Equal(new double[,] { { 0, 1, 0 }, { 1, 0, 0 } }, split.YTrain);
        Assert.Equal(new double[,] { { 5, 6 } }, split.XTest);
        Assert.Throws<ShapeMismatchException>(() => new ClassificationData<double>(new double[2, 2], [1], new double[1, 2], [0], 3));
        Assert.Throws<ShapeMismatchException>(() => new ClassificationData<float>(new float[2, 2], [1, 1], new float[1, 3], [0], 3));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new ClassificationData<double>(new double[1, 2], [3], new double[1, 2], [0], 3));
        Assert.Throws<ArgumentException>(() => new ClassificationData<double>(new double[,] { { double.NaN } }, [0], new double[1, 1], [0], 1));
        Assert.Throws<NotSupportedException>(() => new ClassificationData<Half>(new Half[1, 1], [0], new Half[1, 1], [0], 1));
    }
}
