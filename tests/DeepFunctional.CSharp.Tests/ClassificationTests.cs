using System;
using System.Linq;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>One-hot targets, predicted classes, accuracy and the confusion matrix; a network's class predictions.</summary>
public class ClassificationTests
{
    [Fact]
    public void OneHot_puts_a_1_in_each_rows_class_column()
    {
        Assert.Equal(new double[,] { { 0, 1, 0 }, { 0, 0, 1 }, { 1, 0, 0 } }, Classification.OneHot([1, 2, 0], 3));
        Assert.Equal(new float[,] { { 0, 1 }, { 1, 0 } }, Classification.OneHotSingle([1, 0], 2));
        Assert.Equal(new double[0, 4], Classification.OneHot([], 4));
    }

    [Fact]
    public void OneHot_refuses_a_label_outside_the_classes_naming_its_index()
    {
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Classification.OneHot([0, 1, 3], 3));
        Assert.StartsWith("Classification.oneHot: expected labels in 0..2, got 3 at index 2", e.Message);
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Classification.OneHot([0], 0));
        Assert.Throws<ArgumentNullException>(() => Classification.OneHot(null!, 2));
    }

    [Fact]
    public void Argmax_picks_the_first_largest_column_and_counts_NaN_as_the_largest_like_NumPy()
    {
        double[,] scores = { { 0.1, 0.7, 0.2 }, { 0.5, 0.1, 0.5 }, { 1.0, double.NaN, 2.0 }, { -3, -2, -1 } };
        Assert.Equal([1, 0, 1, 2], Classification.Argmax(scores));
        Assert.Equal([2, 0], Classification.Argmax(new float[,] { { 1f, 2f, 3f }, { 3f, 3f, 1f } }));
        Assert.Throws<ArgumentNullException>(() => Classification.Argmax((double[,])null!));
    }

    [Fact]
    public void Accuracy_is_the_share_of_predictions_equal_to_their_label()
    {
        Assert.Equal(0.75, Classification.Accuracy([1, 2, 0, 0], [1, 2, 0, 1]));
        Assert.Equal(1.0, Classification.Accuracy([3], [3]));
        var lengths = Assert.Throws<ShapeMismatchException>(() => Classification.Accuracy([1, 2], [1]));
        Assert.StartsWith("Classification.accuracy: expected", lengths.Message);
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Classification.Accuracy([], []));
    }

    [Fact]
    public void The_confusion_matrix_counts_true_classes_in_rows_and_predictions_in_columns()
    {
        int[] labels = [0, 0, 1, 1, 1, 2];
        int[] predicted = [0, 1, 1, 1, 2, 2];
        var m = Classification.ConfusionMatrix(predicted, labels, 3);
        Assert.Equal(new[,] { { 1, 1, 0 }, { 0, 2, 1 }, { 0, 0, 1 } }, m);
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Classification.ConfusionMatrix([0, 5], [0, 1], 3));
        Assert.StartsWith("Classification.confusionMatrix: expected predicted classes in 0..2, got 5 at index 1", e.Message);
        Assert.Throws<ShapeMismatchException>(() => Classification.ConfusionMatrix([0], [0, 1], 3));
    }

    /// <summary>Three well-separated clusters in the plane, 30 points each, classes 0, 1, 2.</summary>
    private static (double[,] X, int[] Labels) Clusters(int seed)
    {
        var random = new Random(seed);
        double[][] centres = [[-3, 0], [3, 0], [0, 4]];
        var x = new double[90, 2];
        var labels = new int[90];
        for (int i = 0; i < 90; i++)
        {
            labels[i] = i % 3;
            x[i, 0] = centres[i % 3][0] + random.NextDouble() - 0.5;
            x[i, 1] = centres[i % 3][1] + random.NextDouble() - 0.5;
        }
        return (x, labels);
    }

    private static NeuralNetwork TrainedClassifier()
    {
        var (x, labels) = Clusters(1);
        var (xt, testLabels) = Clusters(2);
        var net = new NeuralNetwork([new Dense(8, new Tanh(), WeightInit.Glorot), new Dense(3, new Linear(), WeightInit.Glorot)],
            new SoftmaxCrossEntropy(), seed: 11);
        new Trainer(net, new SGDMomentum(0.1)) { Output = null }
            .Fit(x, Classification.OneHot(labels, 3), xt, Classification.OneHot(testLabels, 3), epochs: 20, evalEvery: 5, batchSize: 10);
        return net;
    }

    [Fact]
    public void A_classifier_trained_with_softmax_cross_entropy_separates_clusters_and_predicts_classes_and_probabilities()
    {
        var net = TrainedClassifier();
        var (x, labels) = Clusters(3);
        var classes = net.PredictClasses(x);
        Assert.Equal(1.0, net.Accuracy(x, labels));
        Assert.Equal(labels, classes);
        Assert.Equal(classes, Classification.Argmax(net.Predict(x)));

        var p = net.PredictProbabilities(x);
        for (int i = 0; i < 90; i++)
        {
            Assert.Equal(1.0, p[i, 0] + p[i, 1] + p[i, 2], 12);
            Assert.True(p[i, classes[i]] > 0.5 && Enumerable.Range(0, 3).All(j => p[i, j] >= 0));
        }
        Assert.Equal(classes, Classification.Argmax(p));

        var single = Matrix.ToSingle(x);
        Assert.Equal(classes, net.PredictClasses(single));
        Assert.Equal(1.0, net.Accuracy(single, labels));
        Assert.Equal(1f, net.PredictProbabilities(single)[0, 0] + net.PredictProbabilities(single)[0, 1] + net.PredictProbabilities(single)[0, 2], 5);
    }

    [Fact]
    public void Class_predictions_need_parameters_matching_inputs_and_one_label_per_row()
    {
        var untrained = new NeuralNetwork([new Dense(3, new Linear())], new SoftmaxCrossEntropy());
        Assert.StartsWith("NeuralNetwork.PredictClasses: the network has no parameters yet",
            Assert.Throws<InvalidOperationException>(() => untrained.PredictClasses(new double[1, 2])).Message);
        Assert.Throws<InvalidOperationException>(() => untrained.PredictProbabilities(new double[1, 2]));
        var net = TrainedClassifier();
        Assert.Throws<ShapeMismatchException>(() => net.PredictClasses(new double[2, 5]));
        var labels = Assert.Throws<ShapeMismatchException>(() => net.Accuracy(new double[2, 2], [0]));
        Assert.StartsWith("NeuralNetwork.Accuracy: expected one label for each of the 2 rows of x, got 1 labels", labels.Message);
        Assert.Throws<ArgumentNullException>(() => net.Accuracy(new double[2, 2], null!));
        Assert.Throws<ArgumentException>(() => net.PredictProbabilities(new double[,] { { double.NaN, 0 } }));
    }
}
