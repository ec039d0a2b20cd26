/// Tests of reading CSV data, standardisation, splitting, the regression metrics and the
/// embedded Boston data set.
module DeepFunctional.Tests.DataTests

open System
open System.IO
open Expecto
open DeepFunctional


/// The DataFormatException that parsing `text` as CSV raises.
let private csvError (text: string) =
    Check.caught<DataFormatException> (fun () -> Data.parseCsv "test.csv" text |> ignore)

/// A matrix of doubles from rows.
let private matrix (rows: float list list) = rows |> List.map List.toArray |> List.toArray |> Tensor.ofRows

/// Column j of a matrix.
let private column (j: int) (t: Tensor<'T>) = Array.init t.Rows (fun i -> t.[i, j])

/// Mean and population standard deviation of a column, in double.
let private meanStd (values: float[]) =
    let m = Array.average values
    m, sqrt (values |> Array.averageBy (fun v -> (v - m) * (v - m)))

let private csvTests =
    testList "CSV" [
        testCase "Data.parseCsv reads the header names and every row of numbers in order" <| fun () ->
            let t = Data.parseCsv "test.csv" "a, b ,\"c\"\n1,2.5,-3e-2\n4,5,6\n"
            Expect.equal t.Columns [| "a"; "b"; "c" |] "names are unquoted and trimmed"
            Expect.equal t.Values.Shape [| 2; 3 |] "two rows of three"
            Expect.equal (t.Values.ToArray()) [| 1.0; 2.5; -0.03; 4.0; 5.0; 6.0 |] "values in row-major order, exact"
            Expect.equal t.Source "test.csv" "the source is kept"

        testCase "Data.parseCsvWith skips the Boston count line before the quoted header" <| fun () ->
            let text = "3,2,\n\"X\",\"Y\",\"Z\"\n1,2,3\n4,5,6\n7,8,9\n"
            let t = Data.parseCsvWith { SkipLines = 1; HasHeader = true } "boston-like" text
            Expect.equal t.Columns [| "X"; "Y"; "Z" |] "the header after the skipped line"
            Expect.equal t.Values.Shape [| 3; 3 |] "three data rows"
            Expect.equal t.Values.[2, 2] 9.0 "last cell"

        testCase "Data.parseCsvWith without a header names the columns c1, c2, ..." <| fun () ->
            let t = Data.parseCsvWith { SkipLines = 0; HasHeader = false } "raw" "1,2\n3,4"
            Expect.equal t.Columns [| "c1"; "c2" |] "generated names"
            Expect.equal (t.Values.ToArray()) [| 1.0; 2.0; 3.0; 4.0 |] "every line is data"

        testCase "Data.parseCsv accepts CRLF endings, a byte-order mark and trailing blank lines" <| fun () ->
            let t = Data.parseCsv "crlf.csv" "\uFEFFa,b\r\n1,2\r\n3,4\r\n\r\n  \n"
            Expect.equal t.Columns [| "a"; "b" |] "the mark is not part of the first name"
            Expect.equal (t.Values.ToArray()) [| 1.0; 2.0; 3.0; 4.0 |] "two rows"

        testCase "Data.parseCsv names the line and column of a malformed cell" <| fun () ->
            let e = csvError "a,b\n1,2\n3,x4\n"
            Expect.equal (e.Line, e.Column) (3, 2) "line 3, cell 2"
            Expect.stringContains e.Message "'x4'" "says what it found"
            Expect.stringContains e.Message "expected a number" "says what it expected"
            Expect.stringContains e.Message "test.csv" "names the source"

        testCase "Data.parseCsv names the line and the first missing column of a short row" <| fun () ->
            let e = csvError "a,b,c\n1,2,3\n4,5\n"
            Expect.equal (e.Line, e.Column) (3, 3) "line 3, the missing third cell"
            Expect.stringContains e.Problem "found 2 cells, expected 3" "found vs expected"

        testCase "Data.parseCsv names the line and the first extra column of a long row" <| fun () ->
            let e = csvError "a,b\n1,2,3\n"
            Expect.equal (e.Line, e.Column) (2, 3) "line 2, the extra third cell"

        testCase "Data.parseCsv rejects an empty cell with its line and column" <| fun () ->
            let e = csvError "a,b,c\n1,,3\n"
            Expect.equal (e.Line, e.Column) (2, 2) "line 2, cell 2"
            Expect.stringContains e.Problem "empty cell" "says the cell is empty"

        testCase "Data.parseCsv rejects an empty text without a line or column" <| fun () ->
            let e = csvError ""
            Expect.equal (e.Line, e.Column) (0, 0) "the fault is not in one place"
            Expect.stringContains e.Problem "empty" "says the text is empty"
            let blank = csvError "  \n\n"
            Expect.equal (blank.Line, blank.Column) (0, 0) "blank lines only count as empty"

        testCase "Data.parseCsv rejects a header without data rows" <| fun () ->
            let e = csvError "a,b\n\n"
            Expect.stringContains e.Problem "no data rows" "says rows are missing"

        testCase "Data.parseCsv rejects NaN and infinities with their line and column" <| fun () ->
            let nan = csvError "a,b\n1,2\n3,NaN\n"
            Expect.equal (nan.Line, nan.Column) (3, 2) "NaN at line 3, cell 2"
            Expect.stringContains nan.Problem "finite" "says a finite number was expected"
            let inf = csvError "a,b\n-Infinity,2\n"
            Expect.equal (inf.Line, inf.Column) (2, 1) "-Infinity at line 2, cell 1"
            let overflow = csvError "a\n1e999\n"
            Expect.equal (overflow.Line, overflow.Column) (2, 1) "a number that overflows to infinity"

        testCase "Data.parseCsv rejects a blank line between data rows" <| fun () ->
            let e = csvError "a\n1\n\n2\n"
            Expect.equal e.Line 3 "the blank line"

        testCase "Data.parseCsv rejects an empty header name and an unclosed quote" <| fun () ->
            let e = csvError "506,13,,\n1,2,3,4\n"
            Expect.equal (e.Line, e.Column) (1, 3) "the Boston count line read as a header"
            let q = csvError "a,b\n1,\"2\n"
            Expect.equal (q.Line, q.Column) (2, 2) "the unterminated quote"

        testCase "Data.parseCsv reads a dot as the decimal separator and a comma as the cell separator" <| fun () ->
            let t = Data.parseCsv "x" "a\n0.5\n"
            Expect.equal t.Values.[0, 0] 0.5 "a dot is the decimal separator"
            let e = csvError "a\n0,5\n"
            Expect.equal (e.Line, e.Column) (2, 2) "a comma separates cells, not decimals"

        testCase "Data.loadCsv reads a file and names the path in errors" <| fun () ->
            let path = Path.Combine(Path.GetTempPath(), sprintf "df-data-%O.csv" (Guid.NewGuid()))
            try
                File.WriteAllText(path, "a,b\n1,2\n")
                let t = Data.loadCsv path
                Expect.equal (t.Values.ToArray()) [| 1.0; 2.0 |] "the file's values"
                File.WriteAllText(path, "a,b\n1,oops\n")
                let e = Check.caught<DataFormatException> (fun () -> Data.loadCsv path |> ignore)
                Expect.equal e.SourceName path "the path is the source"
            finally
                File.Delete path

        testCase "Data.columns picks named columns in the order asked and rejects unknown names" <| fun () ->
            let t = Data.parseCsv "t" "a,b,c\n1,2,3\n4,5,6\n"
            Expect.equal ((Data.columns [| "c"; "a" |] t).ToArray()) [| 3.0; 1.0; 6.0; 4.0 |] "c then a"
            Expect.equal (Data.columnIndex "b" t) 1 "b is the second column"
            Check.caught<InvalidValueException> (fun () -> Data.columns [| "d" |] t |> ignore) |> ignore
    ]

let private standardizerTests =
    testList "Standardizer" [
        testCase "Data.Standardizer.fit computes the means and population standard deviations by hand" <| fun () ->
            let s = Data.Standardizer.fit (matrix [ [ 1.0; 2.0 ]; [ 3.0; 4.0 ]; [ 5.0; 9.0 ] ])
            Expect.floatClose Accuracy.veryHigh s.Means.[0] 3.0 "mean of 1, 3, 5"
            Expect.floatClose Accuracy.veryHigh s.Means.[1] 5.0 "mean of 2, 4, 9"
            Expect.floatClose Accuracy.veryHigh s.Stds.[0] (sqrt (8.0 / 3.0)) "divided by N = 3, not N - 1"
            Expect.floatClose Accuracy.veryHigh s.Stds.[1] (sqrt (26.0 / 3.0)) "divided by N = 3, not N - 1"

        testCase "Data.Standardizer.fitApply gives every column mean 0 and standard deviation 1 within 1e-12" <| fun () ->
            let x = matrix [ for i in 0 .. 49 -> [ float i; sin (float i) * 100.0; 1e6 + float (i * i) ] ]
            let z, _ = Data.Standardizer.fitApply x
            for j in 0 .. 2 do
                let m, sd = meanStd (column j z)
                Check.isBelow (abs m) 1e-12 (sprintf "column %d has mean 0" j)
                Check.isBelow (abs (sd - 1.0)) 1e-12 (sprintf "column %d has std 1" j)

        testCase "Data.Standardizer maps a constant column to zeros with std 1 instead of NaN" <| fun () ->
            let x = matrix [ [ 7.0; 1.0 ]; [ 7.0; 2.0 ]; [ 7.0; 3.0 ] ]
            let z, s = Data.Standardizer.fitApply x
            Expect.equal s.Stds.[0] 1.0 "the divisor of a constant column is 1"
            Expect.equal (column 0 z) [| 0.0; 0.0; 0.0 |] "the constant column becomes zeros"
            Expect.isTrue (Tensor.isFinite z) "no NaN anywhere"

        testCase "Data.Standardizer works in single precision with mean 0 and std 1 within 1e-6" <| fun () ->
            let x = Tensor.ofFloats<float32> [| 40; 2 |] (Array.init 80 (fun i -> float (i * 7 % 13) + 0.25 * float i))
            let z, _ = Data.Standardizer.fitApply x
            for j in 0 .. 1 do
                let m, sd = meanStd (column j z |> Array.map float)
                Check.isBelow (abs m) 1e-6 "mean 0"
                Check.isBelow (abs (sd - 1.0)) 1e-6 "std 1"

        testCase "Data.Standardizer.apply uses the fitted statistics on other rows" <| fun () ->
            let s = { Means = [| 1.0; 10.0 |]; Stds = [| 2.0; 5.0 |] }
            let z = Data.Standardizer.apply s (matrix [ [ 5.0; 0.0 ] ])
            Expect.equal (z.ToArray()) [| 2.0; -2.0 |] "(5 - 1) / 2 and (0 - 10) / 5, exact"

        testCase "Data.Standardizer.apply refuses a matrix with the wrong number of columns" <| fun () ->
            let s = Data.Standardizer.fit (matrix [ [ 1.0; 2.0 ]; [ 3.0; 5.0 ] ])
            Check.caught<ShapeMismatchException> (fun () -> Data.Standardizer.apply s (matrix [ [ 1.0; 2.0; 3.0 ] ]) |> ignore) |> ignore

        testCase "Data.Standardizer.fit refuses NaN and an empty matrix" <| fun () ->
            Check.caught<InvalidValueException> (fun () -> Data.Standardizer.fit (matrix [ [ 1.0 ]; [ nan ] ]) |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Data.Standardizer.fit (Tensor.zeros<float> [| 0; 3 |]) |> ignore) |> ignore
    ]

let private splitTests =
    testList "split" [
        testCase "Data.split takes the rows in the order given" <| fun () ->
            let x = matrix [ [ 0.0; 0.5 ]; [ 1.0; 1.5 ]; [ 2.0; 2.5 ]; [ 3.0; 3.5 ] ]
            let y = matrix [ [ 10.0 ]; [ 11.0 ]; [ 12.0 ]; [ 13.0 ] ]
            let s = Data.split [| 3; 0 |] [| 2 |] x y
            Expect.equal (s.XTrain.ToArray()) [| 3.0; 3.5; 0.0; 0.5 |] "rows 3 then 0"
            Expect.equal (s.YTrain.ToArray()) [| 13.0; 10.0 |] "targets follow their rows"
            Expect.equal (s.XTest.ToArray()) [| 2.0; 2.5 |] "row 2"
            Expect.equal (s.YTest.ToArray()) [| 12.0 |] "target of row 2"

        testCase "Data.split refuses an index outside the rows" <| fun () ->
            let x = matrix [ [ 0.0 ]; [ 1.0 ] ]
            let e = Check.caught<InvalidValueException> (fun () -> Data.split [| 0 |] [| 2 |] x x |> ignore)
            Expect.stringContains e.Message "test row indices within 0..1" "names the set and the range"
            Check.caught<InvalidValueException> (fun () -> Data.split [| -1 |] [||] x x |> ignore) |> ignore

        testCase "Data.split refuses inputs and targets with different row counts" <| fun () ->
            Check.caught<ShapeMismatchException> (fun () -> Data.split [| 0 |] [||] (matrix [ [ 0.0 ]; [ 1.0 ] ]) (matrix [ [ 0.0 ] ]) |> ignore) |> ignore

        testCase "Data.parseRowSplit reads the train and test arrays" <| fun () ->
            let s = Data.parseRowSplit "s.json" 5 """{"note": "x", "train": [4, 0, 2], "test": [1]}"""
            Expect.equal s.Train [| 4; 0; 2 |] "train in order"
            Expect.equal s.Test [| 1 |] "test"

        testCase "Data.parseRowSplit names the line and column of malformed JSON" <| fun () ->
            let e = Check.caught<DataFormatException> (fun () -> Data.parseRowSplit "s.json" 5 "{\"train\": [1,\n 2,, 3]}" |> ignore)
            Expect.equal e.Line 2 "the second line"
            Check.isAbove e.Column 0 "a column on that line"

        testCase "Data.parseRowSplit refuses out-of-range, non-integer and shared rows" <| fun () ->
            let bad json = Check.caught<DataFormatException> (fun () -> Data.parseRowSplit "s.json" 3 json |> ignore)
            Expect.stringContains (bad """{"train": [3], "test": []}""").Problem "expected a row index in 0..2" "out of range"
            Expect.stringContains (bad """{"train": [1.5], "test": []}""").Problem "1.5" "not an integer"
            Expect.stringContains (bad """{"train": [1], "test": [1]}""").Problem "both" "shared"
            Expect.stringContains (bad """{"train": [1]}""").Problem "\"test\"" "missing array"
    ]

let private metricsTests =
    testList "Metrics" [
        testCase "Metrics.meanAbsoluteError and rootMeanSquaredError match hand-computed values within 1e-15" <| fun () ->
            let p = matrix [ [ 1.0 ]; [ 2.0 ]; [ 3.0 ] ]
            let t = matrix [ [ 2.0 ]; [ 2.0 ]; [ 5.0 ] ]
            Expect.floatClose { absolute = 1e-15; relative = 0.0 } (Metrics.meanAbsoluteError p t) 1.0 "(1 + 0 + 2) / 3"
            Expect.floatClose { absolute = 1e-15; relative = 0.0 } (Metrics.meanSquaredError p t) (5.0 / 3.0) "(1 + 0 + 4) / 3"
            Expect.floatClose { absolute = 1e-15; relative = 0.0 } (Metrics.rootMeanSquaredError p t) (sqrt (5.0 / 3.0)) "sqrt of the MSE"

        testCase "Metrics compute single-precision tensors in double" <| fun () ->
            let p = Tensor.ofFloats<float32> [| 2; 2 |] [| 0.5; 1.5; -2.0; 4.0 |]
            let t = Tensor.ofFloats<float32> [| 2; 2 |] [| 0.0; 1.0; 0.0; 0.0 |]
            Expect.equal (Metrics.meanAbsoluteError p t) 1.75 "(0.5 + 0.5 + 2 + 4) / 4, exact"
            Expect.equal (Metrics.meanSquaredError p t) 5.125 "(0.25 + 0.25 + 4 + 16) / 4, exact"

        testCase "Metrics refuse tensors of different shapes and empty tensors" <| fun () ->
            Check.caught<ShapeMismatchException> (fun () -> Metrics.meanAbsoluteError (matrix [ [ 1.0; 2.0 ] ]) (matrix [ [ 1.0 ]; [ 2.0 ] ]) |> ignore) |> ignore
            Check.caught<ShapeMismatchException> (fun () -> Metrics.rootMeanSquaredError (matrix [ [ 1.0 ] ]) (matrix [ [ 1.0; 2.0 ] ]) |> ignore) |> ignore
            Check.caught<InvalidValueException> (fun () -> Metrics.meanAbsoluteError (Tensor.zeros<float> [| 0; 1 |]) (Tensor.zeros<float> [| 0; 1 |]) |> ignore) |> ignore

        testCase "Summation.ofArray follows NumPy's order and is exact on integers" <| fun () ->
            for n in [ 0; 1; 7; 8; 9; 127; 128; 129; 152; 1000; 8192; 8193; 40000 ] do
                let a = Array.init n (fun i -> float (i + 1))
                Expect.equal (Summation.ofArray a) (float (int64 n * int64 (n + 1) / 2L)) (sprintf "1 + ... + %d" n)
            // 1 + 1e-16 * 8 is lost sequentially but kept by the eight partial sums.
            let a = Array.append [| 1.0 |] (Array.create 15 1e-16)
            let sequential = Array.fold (+) 0.0 a
            Expect.notEqual (Summation.ofArray a) sequential "the order is not the sequential one"
            // Blocks of 8192 are summed pairwise and their sums added in order: one value of 1e16
            // in the second block absorbs what a pairwise sum over both blocks would keep.
            let b = Array.init 8200 (fun i -> if i = 8192 then 1e16 else 1.0)
            let blocked = Summation.pairwise (ArrayValues(b, 0)) 0 8192 + Summation.pairwise (ArrayValues(b, 0)) 8192 8
            Expect.equal (Summation.ofArray b) blocked "two blocks added in order"
    ]

let private bostonTests =
    testList "Boston" [
        testCase "Datasets.boston has 506 rows, 13 named features and the target MEDV" <| fun () ->
            let b = Datasets.boston ()
            Expect.equal b.Features.Shape [| 506; 13 |] "506 x 13 features"
            Expect.equal b.Target.Shape [| 506; 1 |] "506 x 1 target"
            Expect.equal b.FeatureNames [| "CRIM"; "ZN"; "INDUS"; "CHAS"; "NOX"; "RM"; "AGE"; "DIS"; "RAD"; "TAX"; "PTRATIO"; "B"; "LSTAT" |] "feature names"
            Expect.equal b.TargetName "MEDV" "target name"

        testCase "Datasets.boston holds the file's first and last rows exactly" <| fun () ->
            let b = Datasets.boston ()
            let row i = Array.init 13 (fun j -> b.Features.[i, j])
            Expect.equal (row 0) [| 0.00632; 18.0; 2.31; 0.0; 0.538; 6.575; 65.2; 4.09; 1.0; 296.0; 15.3; 396.9; 4.98 |] "row 0"
            Expect.equal b.Target.[0, 0] 24.0 "MEDV of row 0"
            Expect.equal (row 505) [| 0.04741; 0.0; 11.93; 0.0; 0.573; 6.03; 80.8; 2.505; 1.0; 273.0; 21.0; 396.9; 7.88 |] "row 505"
            Expect.equal b.Target.[505, 0] 11.9 "MEDV of row 505"

        testCase "Datasets.boston has the book's 354 training and 152 test rows, disjoint and covering all rows" <| fun () ->
            let b = Datasets.boston ()
            Expect.equal b.TrainRows.Length 354 "354 training rows"
            Expect.equal b.TestRows.Length 152 "152 test rows"
            Expect.equal b.TrainRows.[0..4] [| 4; 410; 380; 378; 10 |] "the split's first training rows, in order"
            Expect.equal b.TestRows.[0..4] [| 203; 379; 451; 438; 11 |] "the split's first test rows, in order"
            Expect.equal (Array.append b.TrainRows b.TestRows |> Array.sort) [| 0 .. 505 |] "every row exactly once"

        testCase "Datasets.boston returns fresh arrays so callers cannot change the shared data" <| fun () ->
            let b = Datasets.boston ()
            b.TrainRows.[0] <- -1
            b.FeatureNames.[0] <- "changed"
            let again = Datasets.boston ()
            Expect.equal again.TrainRows.[0] 4 "the split is unchanged"
            Expect.equal again.FeatureNames.[0] "CRIM" "the names are unchanged"

        testCase "Datasets.bostonSplit standardises the features over all 506 rows before splitting" <| fun () ->
            let s = Datasets.bostonSplit<float> ()
            Expect.equal s.XTrain.Shape [| 354; 13 |] "XTrain"
            Expect.equal s.YTrain.Shape [| 354; 1 |] "YTrain"
            Expect.equal s.XTest.Shape [| 152; 13 |] "XTest"
            Expect.equal s.YTest.Shape [| 152; 1 |] "YTest"
            // Over the union of train and test (all 506 rows) every feature has mean 0 and std 1.
            let all = Tensor.ofRows (Array.append (Array.init 354 (fun i -> Array.init 13 (fun j -> s.XTrain.[i, j]))) (Array.init 152 (fun i -> Array.init 13 (fun j -> s.XTest.[i, j]))))
            for j in 0 .. 12 do
                let m, sd = meanStd (column j all)
                Check.isBelow (abs m) 1e-12 (sprintf "feature %d has mean 0 over all rows" j)
                Check.isBelow (abs (sd - 1.0)) 1e-12 (sprintf "feature %d has std 1 over all rows" j)

        testCase "Datasets.bostonSplit puts data row 4 first in training, standardised, with its raw MEDV" <| fun () ->
            let s = Datasets.bostonSplit<float> ()
            // CRIM: mean 3.6135235573122535, population std 8.593041351295769 over 506 rows.
            Expect.floatClose { absolute = 1e-12; relative = 0.0 } s.XTrain.[0, 0] ((0.06905 - 3.6135235573122535) / 8.593041351295769) "standardised CRIM of row 4"
            Expect.equal s.YTrain.[0, 0] 36.2 "MEDV of row 4, not standardised"
            Expect.equal s.YTest.[0, 0] 48.5 "MEDV of row 203, the first test row"
            let st = Datasets.bostonStandardizer ()
            Expect.floatClose { absolute = 1e-12; relative = 0.0 } st.Means.[0] 3.6135235573122535 "CRIM mean"
            Expect.floatClose { absolute = 1e-12; relative = 0.0 } st.Stds.[0] 8.593041351295769 "CRIM population std"

        testCase "Datasets.bostonSplit in single precision is the double split rounded" <| fun () ->
            let d = Datasets.bostonSplit<float> ()
            let f = Datasets.bostonSplit<float32> ()
            let rounded = Tensor.convert<float, float32> d.XTrain
            Expect.equal (f.XTrain.ToArray()) (rounded.ToArray()) "XTrain rounded once from double"
            Expect.equal (f.YTest.ToArray()) ((Tensor.convert<float, float32> d.YTest).ToArray()) "YTest rounded once from double"
    ]

/// The Data, Metrics and Datasets tests.
[<Tests>]
let tests = testList "Data" [ csvTests; standardizerTests; splitTests; metricsTests; bostonTests ]
