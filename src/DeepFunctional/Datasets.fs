namespace DeepFunctional

open System.IO

/// The Boston housing data as shipped inside the library: 506 rows, 13 features and the
/// target MEDV (median home value in $1000s), with the book's train/test split.
type BostonData =
    { /// The 13 feature names: CRIM, ZN, INDUS, CHAS, NOX, RM, AGE, DIS, RAD, TAX, PTRATIO, B, LSTAT.
      FeatureNames: string[]
      /// The target's name, MEDV.
      TargetName: string
      /// The raw (unstandardised) features: [506; 13], in file order.
      Features: Tensor<float>
      /// The target: [506; 1], in file order.
      Target: Tensor<float>
      /// The book's 354 training rows (0-based, in the order the book uses them): scikit-learn's
      /// `train_test_split(test_size=0.3, random_state=80718)`.
      TrainRows: int[]
      /// The book's 152 test rows (0-based, in the order the book uses them).
      TestRows: int[] }

/// Data sets embedded in the library.
[<RequireQualifiedAccess>]
module Datasets =

    /// The manifest name of the embedded Boston CSV.
    let private bostonCsvResource = "DeepFunctional.boston_house_prices.csv"

    /// The manifest name of the embedded train/test split.
    let private bostonSplitResource = "DeepFunctional.boston_split_80718.json"

    /// The text of an embedded resource of this assembly.
    let private readResource (name: string) =
        let assembly = typeof<BostonData>.Assembly
        match assembly.GetManifestResourceStream name with
        | null -> raise (DataFormatException(name, 0, 0, sprintf "found no such embedded resource in %s" assembly.FullName))
        | stream ->
            use reader = new StreamReader(stream)
            reader.ReadToEnd()

    /// Parsed once, on first use; shared read-only afterwards.
    let private bostonCache =
        lazy
            (let table = Data.parseCsvWith { SkipLines = 1; HasHeader = true } bostonCsvResource (readResource bostonCsvResource)
             if table.Columns.Length <> 14 || table.Values.Rows <> 506 then
                 raise (DataFormatException(bostonCsvResource, 0, 0, sprintf "found %d rows of %d columns, expected 506 rows of 14" table.Values.Rows table.Columns.Length))
             let names = table.Columns.[0..12]
             let split = Data.parseRowSplit bostonSplitResource table.Values.Rows (readResource bostonSplitResource)
             { FeatureNames = names
               TargetName = table.Columns.[13]
               Features = Data.columns names table
               Target = Data.columns [| table.Columns.[13] |] table
               TrainRows = split.Train
               TestRows = split.Test })

    /// The Boston housing data embedded in the library, raw: the features are not
    /// standardised. Arrays in the result are fresh copies; tensors are immutable.
    let boston () : BostonData =
        let b = bostonCache.Force()
        { b with
            FeatureNames = Array.copy b.FeatureNames
            TrainRows = Array.copy b.TrainRows
            TestRows = Array.copy b.TestRows }

    /// The feature statistics of the Boston data over all 506 rows (mean and population
    /// standard deviation of each of the 13 columns), as the book's preparation uses them.
    let bostonStandardizer () : Standardizer = Data.Standardizer.fit (bostonCache.Force()).Features

    /// The standardised double-precision split, computed once.
    let private splitCache =
        lazy
            (let b = bostonCache.Force()
             let x = Data.Standardizer.apply (Data.Standardizer.fit b.Features) b.Features
             Data.split b.TrainRows b.TestRows x b.Target)

    /// The book's chapter 2 and 3 preparation, exactly: each of the 13 features standardised
    /// over all 506 rows (mean, population standard deviation; in double) before splitting;
    /// the target MEDV as an N×1 matrix, not standardised; then the book's rows in their order.
    /// XTrain: [354; 13], YTrain: [354; 1], XTest: [152; 13], YTest: [152; 1], as `'T`
    /// (`float`, or `float32` rounded from the double values).
    let bostonSplit<'T when 'T :> System.Numerics.INumberBase<'T>> () : TrainTest<'T> =
        let s = splitCache.Force()
        { XTrain = Tensor.convert<float, 'T> s.XTrain
          YTrain = Tensor.convert<float, 'T> s.YTrain
          XTest = Tensor.convert<float, 'T> s.XTest
          YTest = Tensor.convert<float, 'T> s.YTest }

    /// The text of the chapter-6 experiments: about 100 KB of Shakespeare (99,993 characters,
    /// 62 distinct symbols), from the book's companion repository (MIT licence).
    let shakespeare () : string = readResource "DeepFunctional.shakespeare_input.txt"
