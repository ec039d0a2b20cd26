using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Xunit;

namespace DeepFunctional.CSharp.Tests;

/// <summary>
/// Walks the public surface of an assembly (types, base types, interfaces, attributes, generic
/// arguments and constraints, fields, properties, indexers, methods, constructors, events,
/// parameters and return types, recursively through arrays, by-refs, pointers and generic
/// instantiations) and lists every place where a type it forbids appears.
/// </summary>
internal static class SurfaceWalker
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every violation on the surface of the given types, as "where: type".</summary>
    internal static List<string> Violations(IEnumerable<Type> types, Func<Type, bool> forbidden)
    {
        var found = new List<string>();
        foreach (var type in types)
            VisitType(type, forbidden, found);
        return found;
    }

    /// <summary>True when a member can be seen from outside the assembly (public, or protected in an unsealed type).</summary>
    private static bool Visible(MethodBase? m) =>
        m is not null && (m.IsPublic || ((m.IsFamily || m.IsFamilyOrAssembly) && !m.DeclaringType!.IsSealed));

    private static bool Visible(FieldInfo f) =>
        f.IsPublic || ((f.IsFamily || f.IsFamilyOrAssembly) && !f.DeclaringType!.IsSealed);

    private static void VisitType(Type type, Func<Type, bool> forbidden, List<string> found)
    {
        string name = type.FullName ?? type.Name;
        Check(type, name, forbidden, found);
        if (type.BaseType is not null)
            Check(type.BaseType, $"{name} base type", forbidden, found);
        foreach (var i in type.GetInterfaces())
            Check(i, $"{name} interface", forbidden, found);
        foreach (var a in type.GetCustomAttributesData())
            Check(a.AttributeType, $"{name} attribute", forbidden, found);
        foreach (var g in type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])
            Check(g, $"{name} generic parameter {g.Name}", forbidden, found);

        foreach (var f in type.GetFields(Declared).Where(Visible))
            Check(f.FieldType, $"{name}.{f.Name}", forbidden, found);
        foreach (var p in type.GetProperties(Declared))
        {
            if (!Visible(p.GetMethod) && !Visible(p.SetMethod))
                continue;
            Check(p.PropertyType, $"{name}.{p.Name}", forbidden, found);
            foreach (var ip in p.GetIndexParameters())
                Check(ip.ParameterType, $"{name}.{p.Name}[{ip.Name}]", forbidden, found);
            foreach (var a in p.GetCustomAttributesData())
                Check(a.AttributeType, $"{name}.{p.Name} attribute", forbidden, found);
        }
        foreach (var e in type.GetEvents(Declared))
        {
            if (Visible(e.AddMethod) || Visible(e.RemoveMethod))
                Check(e.EventHandlerType!, $"{name}.{e.Name}", forbidden, found);
        }
        foreach (var m in type.GetMethods(Declared).Where(m => Visible(m)))
        {
            string where = $"{name}.{m.Name}";
            Check(m.ReturnType, $"{where} returns", forbidden, found);
            foreach (var g in m.IsGenericMethodDefinition ? m.GetGenericArguments() : [])
                Check(g, $"{where} generic parameter {g.Name}", forbidden, found);
            foreach (var p in m.GetParameters())
                Check(p.ParameterType, $"{where}({p.Name})", forbidden, found);
            foreach (var a in m.GetCustomAttributesData())
                Check(a.AttributeType, $"{where} attribute", forbidden, found);
        }
        foreach (var c in type.GetConstructors(Declared).Where(c => Visible(c)))
        {
            foreach (var p in c.GetParameters())
                Check(p.ParameterType, $"{name} constructor({p.Name})", forbidden, found);
        }
    }

    /// <summary>Checks a type and everything it is built from.</summary>
    private static void Check(Type type, string where, Func<Type, bool> forbidden, List<string> found, int depth = 0)
    {
        if (depth > 32)
            return;
        if (type.HasElementType)
        {
            Check(type.GetElementType()!, where, forbidden, found, depth + 1);
            return;
        }
        if (type.IsGenericParameter)
        {
            foreach (var c in type.GetGenericParameterConstraints())
            {
                if (c != type)
                    Check(c, $"{where} constraint", forbidden, found, depth + 1);
            }
            return;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            Check(type.GetGenericTypeDefinition(), where, forbidden, found, depth + 1);
            foreach (var a in type.GetGenericArguments())
                Check(a, $"{where} generic argument", forbidden, found, depth + 1);
            return;
        }
        if (forbidden(type))
            found.Add($"{where}: {type.FullName}");
    }
}

public class ApiSurfaceTests
{
    private static readonly Assembly Facade = typeof(NeuralNetwork).Assembly;
    private static readonly Assembly FSharpCore = typeof(FSharpList<>).Assembly;
    private static readonly Assembly FunctionalCore = typeof(global::DeepFunctional.ShapeMismatchException).Assembly;
    private static readonly Assembly BookLayer = typeof(global::DeepFunctional.Book.BookSeeding).Assembly;

    /// <summary>The core's types that may appear in the facade's surface: its plain .NET exception classes.</summary>
    private static readonly HashSet<Type> AllowedCoreTypes =
    [
        typeof(global::DeepFunctional.ShapeMismatchException),
        typeof(global::DeepFunctional.InvalidValueException),
        typeof(global::DeepFunctional.DataFormatException),
        typeof(global::DeepFunctional.FileWriteException),
    ];

    /// <summary>FSharp.Core, anything in a Microsoft.FSharp namespace, and the core's and book layer's F# types.</summary>
    private static bool IsFSharp(Type t) =>
        t.Assembly == FSharpCore
        || (t.Namespace?.StartsWith("Microsoft.FSharp", StringComparison.Ordinal) ?? false)
        || t.Assembly == BookLayer
        || (t.Assembly == FunctionalCore && !AllowedCoreTypes.Contains(t));

    [Fact]
    public void The_facade_exposes_no_FSharp_type_anywhere_in_its_public_surface()
    {
        var exported = Facade.GetExportedTypes();
        Assert.True(exported.Length >= 40, $"expected the facade to export its types, found {exported.Length}");
        var violations = SurfaceWalker.Violations(exported, IsFSharp);
        Assert.True(violations.Count == 0, "F# types in the facade's surface:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_facade_exports_the_books_and_Keras_vocabulary_in_its_own_namespace_and_the_book_apart()
    {
        string[] main =
        [
            "NeuralNetwork", "Layer", "Dense", "Conv2D", "Pool2D", "MaxPool2D", "AvgPool2D", "Flatten", "Dropout", "RecurrentLayer", "SimpleRNN",
            "LSTM", "GRU", "Embedding", "WeightInit", "Activation", "Linear", "Sigmoid", "Tanh", "ReLU", "Loss", "MeanSquaredError",
            "SoftmaxCrossEntropy", "Optimizer", "SGD", "SGDMomentum", "AdaGrad", "Adam", "DecayType", "LearningRateSchedule", "ScheduleUnit", "Trainer", "FitOptions",
            "CheckpointOptions", "FitResult", "Evaluation", "TrainingProgress", "TrainingProgressKind", "Precision", "ParameterTensor",
            "CharacterModel", "CharacterTrainingOptions", "CharacterTrainingReport", "CharacterTrainingResult", "RecurrentCell",
            "Metrics", "Classification", "ImageSet", "ImageDataSet",
        ];
        string[] book =
        [
            "BookExperiment", "BookExperimentResult", "AccuracyCheck", "BostonHousing", "BostonHousingData", "TrainTestSplit`1",
            "Chapter2", "Chapter3", "Chapter3Model", "LinearRegressionResult", "HiddenLayerNetworkResult", "LeastSquaresResult", "BookSettings",
        ];
        var exported = Facade.GetExportedTypes();
        Assert.Equal(main.Order(), exported.Where(t => t.Namespace == "DeepFunctional.CSharp").Select(t => t.Name).Order());
        Assert.Equal(book.Order(), exported.Where(t => t.Namespace == "DeepFunctional.CSharp.Book").Select(t => t.Name).Order());
        Assert.DoesNotContain(exported, t => t.Name.StartsWith("Chapter4", StringComparison.Ordinal) || t.Name.StartsWith("Chapter5", StringComparison.Ordinal));
    }

    [Fact]
    public void The_abstract_bases_cannot_be_derived_from_outside()
    {
        foreach (var t in new[] { typeof(Layer), typeof(RecurrentLayer), typeof(Activation), typeof(Loss), typeof(Optimizer) })
        {
            Assert.True(t.IsAbstract);
            Assert.DoesNotContain(t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance),
                c => c.IsPublic || c.IsFamily || c.IsFamilyOrAssembly);
        }
    }

    [Fact]
    public void Every_public_type_and_member_is_PascalCase()
    {
        foreach (var t in Facade.GetExportedTypes())
        {
            Assert.True(char.IsUpper(t.Name[0]), t.FullName);
            foreach (var m in t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                if (m is not ConstructorInfo && !m.Name.StartsWith("get_", StringComparison.Ordinal) && !m.Name.StartsWith("set_", StringComparison.Ordinal)
                    && !m.Name.Contains('<') && m.Name != "value__" && !m.Name.StartsWith("op_", StringComparison.Ordinal))
                    Assert.True(char.IsUpper(m.Name[0]), $"{t.Name}.{m.Name}");
        }
    }

    [Fact]
    public void Every_public_item_is_documented_in_the_XML_documentation_file()
    {
        var xml = System.IO.Path.ChangeExtension(Facade.Location, ".xml");
        Assert.True(System.IO.File.Exists(xml), xml);
        var text = System.IO.File.ReadAllText(xml);
        foreach (var t in Facade.GetExportedTypes().Where(t => !t.IsEnum))
        {
            Assert.Contains($"\"T:{t.FullName}\"", text);
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                Assert.Contains($"\"P:{t.FullName}.{p.Name}\"", text);
        }
    }

    // A deliberately bad surface: the walker must find every F# type hidden in it.
    public sealed class BadSurface : List<FSharpOption<int>>
    {
        public IReadOnlyList<FSharpOption<int>>? Hidden { get; set; }
        public global::DeepFunctional.NeuralNetwork<double>? CoreRecord;
        public Dictionary<string, FSharpFunc<int, int>[]> Nested() => [];
        public void Takes(ref FSharpList<int> list) { }
        public T Constrained<T>() where T : FSharpFunc<int, int> => default!;
        public event EventHandler<FSharpChoice<int, string>>? Changed { add { } remove { } }
    }

    [Fact]
    public void The_surface_walker_finds_FSharp_types_in_base_types_properties_fields_generic_arguments_byrefs_constraints_and_events()
    {
        var violations = SurfaceWalker.Violations([typeof(BadSurface)], IsFSharp);
        string all = string.Join("\n", violations);
        Assert.Contains("base type", all);
        Assert.Contains(".Hidden", all);
        Assert.Contains(".CoreRecord", all);
        Assert.Contains(".Nested returns", all);
        Assert.Contains(".Takes(list)", all);
        Assert.Contains("Constrained generic parameter T", all);
        Assert.Contains(".Changed", all);
    }

    [Fact]
    public void The_surface_walker_accepts_a_plain_CSharp_type()
    {
        Assert.Empty(SurfaceWalker.Violations([typeof(Recorder), typeof(List<int[,]>)], IsFSharp));
    }
}

/// <summary>An <see cref="IProgress{T}"/> that records every report synchronously and can run an action on each.</summary>
internal sealed class Recorder(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
{
    /// <summary>Every report, in order.</summary>
    internal List<TrainingProgress> Reports { get; } = [];

    public void Report(TrainingProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
