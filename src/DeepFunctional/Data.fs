namespace DeepFunctional

open System
open System.Globalization
open System.IO
open System.Text.Json

/// How a CSV text is laid out before its data rows.
type CsvOptions =
    { /// Lines skipped before the header (or before the data when there is no header),
      /// such as the Boston file's count line `506,13,,,...`. Their content is not read.
      SkipLines: int
      /// Whether the first line after the skipped ones holds the column names.
      HasHeader: bool }

/// A numeric table read from CSV text.
type CsvTable =
    { /// Where the table came from (a file path or a resource name), as error messages name it.
      Source: string
      /// The column names from the header, unquoted and trimmed; `c1`, `c2`, ... when the text
      /// has no header. Never written by the library.
      Columns: string[]
      /// The cells as a matrix: [rows; columns], one row per data line, in file order.
      Values: Tensor<float> }

/// Per-column statistics for standardisation: x' = (x − mean) / std.
type Standardizer =
    { /// The mean of each column, over all rows the standardizer was fitted on.
      Means: float[]
      /// The divisor of each column: its population standard deviation (divided by N, not
      /// N − 1), or exactly 1 for a constant column, whose standardised values are then 0.
      Stds: float[] }

/// A train/test split of inputs and targets.
type TrainTest<'T> =
    { /// Training inputs: [trainRows; features].
      XTrain: Tensor<'T>
      /// Training targets: [trainRows; targets].
      YTrain: Tensor<'T>
      /// Test inputs: [testRows; features].
      XTest: Tensor<'T>
      /// Test targets: [testRows; targets].
      YTest: Tensor<'T> }

/// Which rows of a table are for training and which for testing.
type RowSplit =
    { /// 0-based training row indices, in the order the rows are used.
      Train: int[]
      /// 0-based test row indices, in the order the rows are used.
      Test: int[] }

/// Reading numeric data, standardising it and splitting it into training and test sets.
[<RequireQualifiedAccess>]
module Data =

    /// A header line with the column names and nothing skipped before it.
    let defaultCsvOptions = { SkipLines = 0; HasHeader = true }

    /// Splits one CSV line into its cells. Cells may be quoted with `"` (a doubled `""`
    /// inside quotes is one quote); unquoted cells are trimmed. Returns the 1-based cell
    /// number of an unterminated or misplaced quote as the error.
    let private splitCells (line: string) : Result<string[], int * string> =
        let cells = ResizeArray<string>()
        let cell = Text.StringBuilder()
        let mutable i = 0
        let mutable error = None
        let mutable quoted = false
        let mutable inQuotes = false
        let mutable afterQuotes = false
        let finish () =
            cells.Add(if quoted then cell.ToString() else cell.ToString().Trim())
            cell.Clear() |> ignore
            quoted <- false
            afterQuotes <- false
        while error.IsNone && i < line.Length do
            let ch = line.[i]
            if inQuotes then
                if ch = '"' then
                    if i + 1 < line.Length && line.[i + 1] = '"' then
                        cell.Append('"') |> ignore
                        i <- i + 1
                    else
                        inQuotes <- false
                        afterQuotes <- true
                else
                    cell.Append(ch) |> ignore
            elif ch = ',' then
                finish ()
            elif afterQuotes then
                if not (Char.IsWhiteSpace ch) then
                    error <- Some(cells.Count + 1, sprintf "found '%c' after a closing quote, expected a comma or the end of the line" ch)
            elif ch = '"' && cell.ToString().Trim().Length = 0 then
                cell.Clear() |> ignore
                quoted <- true
                inQuotes <- true
            elif ch = '"' then
                error <- Some(cells.Count + 1, "found a quote inside an unquoted cell, expected the cell to be quoted as a whole")
            else
                cell.Append(ch) |> ignore
            i <- i + 1
        match error with
        | Some e -> Error e
        | None when inQuotes -> Error(cells.Count + 1, "found a quoted cell without its closing quote, expected a closing quote on the same line")
        | None ->
            finish ()
            Ok(cells.ToArray())

    /// The lines of a text (`\n` or `\r\n` endings) without a leading byte-order mark.
    let private linesOf (text: string) =
        let text = if text.Length > 0 && text.[0] = '\uFEFF' then text.Substring 1 else text
        text.Split('\n') |> Array.map (fun l -> l.TrimEnd('\r'))

    /// Parses numeric CSV text: `options.SkipLines` lines are skipped, then an optional header
    /// line with the column names, then one line per row of numbers, each cell read with the
    /// invariant culture (`1.5`, `-2e-3`). Empty lines after the last row are ignored.
    /// Line and column numbers in errors are 1-based; the column is the cell number.
    /// <exception cref="DataFormatException">when the text has no data rows, a cell is empty,
    /// not a number, NaN or infinite, a row has more or fewer cells than the header (or the first
    /// row), a header name is empty, or a quote is misplaced.</exception>
    /// <exception cref="InvalidValueException">when `options.SkipLines` is negative.</exception>
    let parseCsvWith (options: CsvOptions) (source: string) (text: string) : CsvTable =
        if options.SkipLines < 0 then
            raise (InvalidValueException("Data.parseCsvWith", "SkipLines >= 0", string options.SkipLines))
        let fail line column problem = raise (DataFormatException(source, line, column, problem))
        if String.IsNullOrWhiteSpace text then
            fail 0 0 "the text is empty, expected numeric CSV rows"
        let lines = linesOf text
        // The last line that is not blank: lines after it are trailing blanks.
        let lastContent = lines |> Array.findIndexBack (fun l -> not (String.IsNullOrWhiteSpace l))
        let cellsOf (index: int) =
            match splitCells lines.[index] with
            | Ok cells -> cells
            | Error(column, problem) -> fail (index + 1) column problem
        let headerIndex = options.SkipLines
        let firstData = if options.HasHeader then headerIndex + 1 else headerIndex
        let columns =
            if options.HasHeader then
                if headerIndex > lastContent then
                    fail 0 0 (sprintf "found %d non-blank lines, expected %d skipped line(s), a header and data rows" (lastContent + 1) options.SkipLines)
                let names = cellsOf headerIndex
                names |> Array.iteri (fun j name ->
                    if name.Length = 0 then
                        fail (headerIndex + 1) (j + 1) "found an empty column name, expected a name in every header cell")
                Some names
            else
                None
        if firstData > lastContent then
            fail 0 0 "found no data rows, expected at least one row of numbers"
        let rowCount = lastContent - firstData + 1
        let width =
            match columns with
            | Some names -> names.Length
            | None -> (cellsOf firstData).Length
        let widthOrigin = if options.HasHeader then "as in the header" else "as in the first row"
        let values = Array.zeroCreate<float> (rowCount * width)
        for r in 0 .. rowCount - 1 do
            let index = firstData + r
            let lineNo = index + 1
            if String.IsNullOrWhiteSpace lines.[index] then
                fail lineNo 0 "found an empty line between data rows, expected a row of numbers"
            let cells = cellsOf index
            if cells.Length <> width then
                fail lineNo (min cells.Length width + 1) (sprintf "found %d cells, expected %d (%s)" cells.Length width widthOrigin)
            for c in 0 .. width - 1 do
                let cell = cells.[c]
                if cell.Length = 0 then
                    fail lineNo (c + 1) "found an empty cell, expected a number"
                match Double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, v when Double.IsFinite v -> values.[r * width + c] <- v
                | true, _ -> fail lineNo (c + 1) (sprintf "found '%s', expected a finite number" cell)
                | false, _ -> fail lineNo (c + 1) (sprintf "found '%s', expected a number" cell)
        let names =
            match columns with
            | Some names -> names
            | None -> Array.init width (fun j -> sprintf "c%d" (j + 1))
        { Source = source; Columns = names; Values = Tensor.wrap [| rowCount; width |] values }

    /// Parses numeric CSV text with a header line and nothing skipped (`defaultCsvOptions`);
    /// see `parseCsvWith`.
    /// <exception cref="DataFormatException">when the text is not a well-formed numeric table.</exception>
    let parseCsv (source: string) (text: string) : CsvTable = parseCsvWith defaultCsvOptions source text

    /// Reads and parses a numeric CSV file (UTF-8); errors name the path as their source.
    /// <exception cref="DataFormatException">when the file is not a well-formed numeric table.</exception>
    let loadCsvWith (options: CsvOptions) (path: string) : CsvTable =
        parseCsvWith options path (File.ReadAllText path)

    /// Reads and parses a numeric CSV file with a header line (`defaultCsvOptions`).
    /// <exception cref="DataFormatException">when the file is not a well-formed numeric table.</exception>
    let loadCsv (path: string) : CsvTable = loadCsvWith defaultCsvOptions path

    /// The 0-based index of a named column.
    /// <exception cref="InvalidValueException">when the table has no such column.</exception>
    let columnIndex (name: string) (table: CsvTable) : int =
        match Array.tryFindIndex ((=) name) table.Columns with
        | Some j -> j
        | None ->
            raise (InvalidValueException("Data.columnIndex", sprintf "one of the columns %s of %s" (String.Join(", ", table.Columns)) table.Source, sprintf "'%s'" name))

    /// The named columns, in the order given: [rows; names.Length].
    /// <exception cref="InvalidValueException">when a name is not a column of the table.</exception>
    let columns (names: string[]) (table: CsvTable) : Tensor<float> =
        let idx = names |> Array.map (fun n -> columnIndex n table)
        let rows, width = table.Values.Dims.[0], table.Values.Dims.[1]
        let src = table.Values.Data
        let out = Array.zeroCreate (rows * idx.Length)
        for i in 0 .. rows - 1 do
            for k in 0 .. idx.Length - 1 do
                out.[i * idx.Length + k] <- src.[i * width + idx.[k]]
        Tensor.wrap [| rows; idx.Length |] out

    /// Standardisation column by column, as the book does with scikit-learn's `StandardScaler`.
    [<RequireQualifiedAccess>]
    module Standardizer =

        /// Fits the statistics of each column of x: [rows; columns], computed in double as
        /// scikit-learn does: mean = (sequential column sum) / N; variance = (Σ d² − (Σ d)²/N) / N
        /// with d = x − mean (the corrected two-pass formula), the population variance.
        /// A column whose variance is within rounding error of zero (var ≤ N·ε·var + (N·ε·mean)²,
        /// e.g. a constant column) gets std 1, so it standardises to zeros instead of NaN.
        /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
        /// <exception cref="InvalidValueException">when x has no rows or holds NaN or infinity.</exception>
        let fit (x: Tensor<'T>) : Standardizer =
            Shape.checkRank "Data.Standardizer.fit" "x" 2 x.Dims
            let rows, cols = x.Dims.[0], x.Dims.[1]
            if rows = 0 then
                raise (InvalidValueException("Data.Standardizer.fit", "at least one row", "x of shape 0x" + string cols))
            let xd = Tensor.convert<'T, float> x |> Tensor.checkFinite "Data.Standardizer.fit" "x"
            let v = xd.Data
            let n = float rows
            let means = Array.zeroCreate<float> cols
            for i in 0 .. rows - 1 do
                for j in 0 .. cols - 1 do
                    means.[j] <- means.[j] + v.[i * cols + j]
            for j in 0 .. cols - 1 do
                means.[j] <- means.[j] / n
            let sumD = Array.zeroCreate<float> cols
            let sumD2 = Array.zeroCreate<float> cols
            for i in 0 .. rows - 1 do
                for j in 0 .. cols - 1 do
                    let d = v.[i * cols + j] - means.[j]
                    sumD.[j] <- sumD.[j] + d
                    sumD2.[j] <- sumD2.[j] + d * d
            let eps = Math.BitIncrement 1.0 - 1.0 // 2^-52, NumPy's finfo(float64).eps
            let stds =
                Array.init cols (fun j ->
                    let var = (sumD2.[j] - sumD.[j] * sumD.[j] / n) / n
                    let bound = n * eps * var + (n * means.[j] * eps) ** 2.0
                    if var <= bound then 1.0 else sqrt var)
            { Means = means; Stds = stds }

        /// Standardises each column of x: [rows; columns] with fitted statistics,
        /// (x − mean) / std computed in double and rounded to `'T` once.
        /// <exception cref="ShapeMismatchException">when x does not have one column per statistic.</exception>
        let apply (s: Standardizer) (x: Tensor<'T>) : Tensor<'T> =
            let cols = s.Means.Length
            Shape.checkColumns "Data.Standardizer.apply" "x" cols x.Dims
            let v = (Tensor.convert<'T, float> x).Data
            let out = Array.zeroCreate<float> v.Length
            for i in 0 .. x.Dims.[0] - 1 do
                for j in 0 .. cols - 1 do
                    out.[i * cols + j] <- (v.[i * cols + j] - s.Means.[j]) / s.Stds.[j]
            Tensor.wrap x.Shape out |> Tensor.convert<float, 'T>

        /// Fits the statistics on x and standardises x with them: mean 0 and (population)
        /// standard deviation 1 in every non-constant column.
        /// <exception cref="ShapeMismatchException">when x is not a matrix.</exception>
        /// <exception cref="InvalidValueException">when x has no rows or holds NaN or infinity.</exception>
        let fitApply (x: Tensor<'T>) : Tensor<'T> * Standardizer =
            let s = fit x
            apply s x, s

    /// Splits inputs x: [rows; features] and targets y: [rows; targets] into training and test
    /// sets by 0-based row indices, taking the rows in the order given. Indices may repeat
    /// and need not cover every row.
    /// <exception cref="ShapeMismatchException">when x and y are not matrices with the same number of rows.</exception>
    /// <exception cref="InvalidValueException">when an index is outside 0 .. rows − 1.</exception>
    let split (trainRows: int[]) (testRows: int[]) (x: Tensor<'T>) (y: Tensor<'T>) : TrainTest<'T> =
        Shape.checkSameRows "Data.split" "x" x.Dims "y" y.Dims
        let rows = x.Dims.[0]
        let check (name: string) (indices: int[]) =
            indices |> Array.iteri (fun k i ->
                if i < 0 || i >= rows then
                    raise (InvalidValueException("Data.split", sprintf "%s row indices within 0..%d" name (rows - 1), sprintf "%d at position %d" i k)))
        check "train" trainRows
        check "test" testRows
        { XTrain = Tensor.gatherRows trainRows x
          YTrain = Tensor.gatherRows trainRows y
          XTest = Tensor.gatherRows testRows x
          YTest = Tensor.gatherRows testRows y }

    /// Parses a row split from JSON `{"train": [i, ...], "test": [j, ...]}` (other properties
    /// are ignored) for a table of `rowCount` rows. Every index must be an integer in
    /// 0 .. rowCount − 1, and no row may be in both sets.
    /// <exception cref="DataFormatException">when the text is not such JSON (with the line and
    /// column of a syntax error), an array is missing, or an index is out of range or shared.</exception>
    let parseRowSplit (source: string) (rowCount: int) (json: string) : RowSplit =
        let fail problem = raise (DataFormatException(source, 0, 0, problem))
        let doc =
            try
                JsonDocument.Parse(json)
            with :? JsonException as e ->
                let line = if e.LineNumber.HasValue then int e.LineNumber.Value + 1 else 0
                let column = if e.BytePositionInLine.HasValue then int e.BytePositionInLine.Value + 1 else 0
                raise (DataFormatException(source, line, column, "found malformed JSON, expected an object with \"train\" and \"test\" arrays"))
        use doc = doc
        if doc.RootElement.ValueKind <> JsonValueKind.Object then
            fail (sprintf "found a JSON %O, expected an object with \"train\" and \"test\" arrays" doc.RootElement.ValueKind)
        let read (name: string) =
            match doc.RootElement.TryGetProperty name with
            | true, arr when arr.ValueKind = JsonValueKind.Array ->
                arr.EnumerateArray()
                |> Seq.mapi (fun k e ->
                    let mutable i = 0
                    if e.ValueKind = JsonValueKind.Number && e.TryGetInt32(&i) && i >= 0 && i < rowCount then i
                    else fail (sprintf "found %s at position %d of \"%s\", expected a row index in 0..%d" (e.GetRawText()) k name (rowCount - 1)))
                |> Seq.toArray
            | _ -> fail (sprintf "found no \"%s\" array, expected one" name)
        let train = read "train"
        let test = read "test"
        let inTrain = System.Collections.Generic.HashSet<int>(train)
        match test |> Array.tryFind inTrain.Contains with
        | Some i -> fail (sprintf "found row %d in both \"train\" and \"test\", expected disjoint sets" i)
        | None -> { Train = train; Test = test }
