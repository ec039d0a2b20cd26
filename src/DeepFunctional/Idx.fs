namespace DeepFunctional

open System
open System.Buffers.Binary
open System.IO
open System.IO.Compression

/// The images of an IDX3 file: `Count` greyscale images of `Rows`×`Cols` unsigned bytes.
type IdxImages =
    { /// The number of images.
      Count: int
      /// The height of every image, in pixels.
      Rows: int
      /// The width of every image, in pixels.
      Cols: int
      /// The pixels, image after image, each image row-major (`Count·Rows·Cols` bytes,
      /// 0 = background). Never written by the library.
      Pixels: byte[] }

/// Images and their class labels kept together, as a pair of MNIST-format files holds them.
type ImageSet =
    { /// The number of images, and of labels.
      Count: int
      /// The height of every image, in pixels.
      Rows: int
      /// The width of every image, in pixels.
      Cols: int
      /// The number of classes: every label is in 0 .. Classes − 1.
      Classes: int
      /// The pixels, image after image, each image row-major (`Count·Rows·Cols` bytes).
      /// Never written by the library.
      Images: byte[]
      /// The class of each image, in image order. Never written by the library.
      Labels: int[] }

/// A training set and a test set of images, such as MNIST's 60,000 and 10,000.
type ImageTrainTest =
    { /// The training images and labels (MNIST: `train-*` files).
      TrainSet: ImageSet
      /// The test images and labels (MNIST: `t10k-*` files).
      TestSet: ImageSet }

/// Whether an IDX file is written as is or gzip-compressed.
[<RequireQualifiedAccess>]
type IdxCompression =
    /// The bytes of the IDX format as they are.
    | Uncompressed
    /// The IDX bytes inside a gzip stream (files named `*.gz` by convention).
    | Gzip

/// Reading and writing MNIST-format IDX files: `idx3` images (magic number 0x00000803,
/// then the image count, rows and columns, then one unsigned byte per pixel) and `idx1`
/// labels (0x00000801, then the label count, then one byte per label). Header integers are
/// 32-bit big-endian. Files may be gzip-compressed: readers recognise gzip by its first two
/// bytes (1f 8b), whatever the file is called; byte offsets in their error messages then
/// count the decompressed bytes, and the messages say so.
[<RequireQualifiedAccess>]
module Idx =

    /// The magic number of an image file: unsigned bytes (0x08) in 3 dimensions.
    [<Literal>]
    let ImagesMagic = 0x00000803

    /// The magic number of a label file: unsigned bytes (0x08) in 1 dimension.
    [<Literal>]
    let LabelsMagic = 0x00000801

    /// The size of an image file's header in bytes: magic, count, rows, columns.
    [<Literal>]
    let private ImagesHeaderSize = 16

    /// The size of a label file's header in bytes: magic, count.
    [<Literal>]
    let private LabelsHeaderSize = 8

    /// The file names of MNIST and Fashion-MNIST, without `.gz`.
    let private mnistNames =
        [| "train-images-idx3-ubyte"; "train-labels-idx1-ubyte"; "t10k-images-idx3-ubyte"; "t10k-labels-idx1-ubyte" |]

    /// Raises the `DataFormatException` of a fault in `source` (no line or column: IDX is binary).
    let private fail (source: string) (problem: string) : 'R = raise (DataFormatException(source, 0, 0, problem))

    /// The name of the kind of file a magic number stands for.
    let private kindName (magic: int) = if magic = ImagesMagic then "idx3 image file" else "idx1 label file"

    /// What a magic number that is not the expected one says about a file, in words.
    let private describeMagic (expected: int) (magic: int) =
        if magic = ImagesMagic || magic = LabelsMagic then
            let kind, other = if magic = ImagesMagic then "an image", "a label" else "a label", "an image"
            sprintf "that of an %s: this looks like %s file given in place of %s file" (kindName magic) kind other
        elif magic >>> 16 <> 0 then "not an IDX file: an IDX magic number starts with two zero bytes"
        else
            let code = (magic >>> 8) &&& 0xFF
            let element =
                match code with
                | 0x08 -> Some "unsigned bytes"
                | 0x09 -> Some "signed bytes"
                | 0x0B -> Some "16-bit integers"
                | 0x0C -> Some "32-bit integers"
                | 0x0D -> Some "32-bit floats"
                | 0x0E -> Some "64-bit floats"
                | _ -> None
            match element with
            | Some e ->
                sprintf "an IDX file of %s in %d dimension(s), where an %s holds unsigned bytes in %d" e (magic &&& 0xFF) (kindName expected) (expected &&& 0xFF)
            | None -> sprintf "not an IDX file: unknown element type code 0x%02X" code

    /// Reads up to `buffer.Length` bytes, stopping only at the end of the stream; returns
    /// the number read.
    let private readUpTo (stream: Stream) (buffer: Span<byte>) : int =
        stream.ReadAtLeast(buffer, buffer.Length, false)

    /// Counts the bytes left in a stream (reading them).
    let private countRest (stream: Stream) : int64 =
        let scratch = Array.zeroCreate<byte> 65536
        let mutable total = 0L
        let mutable n = stream.Read(scratch, 0, scratch.Length)
        while n > 0 do
            total <- total + int64 n
            n <- stream.Read(scratch, 0, scratch.Length)
        total

    /// Runs `read` on the IDX bytes of a seekable stream: on the stream itself, or through
    /// a gzip decoder when its first two bytes are the gzip magic 1f 8b.
    let private decoded (source: string) (stream: Stream) (read: Stream -> 'R) : 'R =
        let start = stream.Position
        let head = Array.zeroCreate<byte> 2
        let n = readUpTo stream (Span head)
        stream.Position <- start
        if n = 2 && head.[0] = 0x1Fuy && head.[1] = 0x8Buy then
            use gz = new GZipStream(stream, CompressionMode.Decompress, true)
            try
                read gz
            with
            | :? InvalidDataException as e -> fail source (sprintf "found a corrupt gzip stream (%s), expected a gzip-compressed IDX file" e.Message)
            | :? DataFormatException as e -> fail source (e.Problem + "; byte offsets count the gzip-decompressed data")
        else
            read stream

    /// Reads a header of `size` bytes that starts with `magic`; returns the header's
    /// dimension sizes (after the magic number), checked to be at most Int32.MaxValue.
    let private readHeader (source: string) (stream: Stream) (magic: int) (size: int) : int[] =
        let header = Array.zeroCreate<byte> size
        let got = readUpTo stream (Span header)
        if got < 4 then
            fail source (sprintf "found only %d byte(s), expected the %d-byte header of an %s, starting with magic number 0x%08X" got size (kindName magic) magic)
        let found = BinaryPrimitives.ReadInt32BigEndian(ReadOnlySpan(header, 0, 4))
        if found <> magic then
            fail source (sprintf "found magic number 0x%08X at byte offset 0 (%s), expected 0x%08X (%s)" found (describeMagic magic found) magic (kindName magic))
        if got < size then
            fail source (sprintf "the header is truncated: expected %d bytes, found %d" size got)
        Array.init ((size - 4) / 4) (fun d ->
            let offset = 4 + 4 * d
            let v = BinaryPrimitives.ReadUInt32BigEndian(ReadOnlySpan(header, offset, 4))
            if v > uint32 Int32.MaxValue then
                fail source (sprintf "found dimension size %d at byte offset %d, expected at most %d" v offset Int32.MaxValue)
            int v)

    /// Reads exactly `length` data bytes after a header of `headerSize` bytes and checks that
    /// the stream ends there. `what` names the data in messages ("60000 images of 28x28").
    let private readBody (source: string) (stream: Stream) (headerSize: int) (length: int64) (what: string) : byte[] =
        if length > int64 Array.MaxLength then
            fail source (sprintf "the header declares %s, %d bytes, expected at most %d bytes (one array)" what length Array.MaxLength)
        let truncated (found: int64) =
            fail source (sprintf "the data is truncated: the header declares %s, expected %d bytes from byte offset %d, found %d" what length headerSize found)
        // A file on disk tells its length: no need to allocate what a cut file cannot fill.
        if stream.CanSeek && stream.Length - stream.Position < length then
            truncated (stream.Length - stream.Position)
        let body = Array.zeroCreate<byte> (int length)
        let got = readUpTo stream (Span body)
        if got < body.Length then
            truncated (int64 got)
        let extra = countRest stream
        if extra > 0L then
            fail source (sprintf "found %d byte(s) after the %s the header declares (from byte offset %d), expected the data to end there" extra what (int64 headerSize + length))
        body

    /// Reads an image file's IDX bytes from a stream.
    let private readImagesFrom (source: string) (stream: Stream) : IdxImages =
        let dims = readHeader source stream ImagesMagic ImagesHeaderSize
        let count, rows, cols = dims.[0], dims.[1], dims.[2]
        if rows = 0 || cols = 0 then
            fail source (sprintf "found images of %dx%d pixels in the header (byte offsets 8 and 12), expected at least one row and one column" rows cols)
        let what = sprintf "%d images of %dx%d" count rows cols
        let pixels = readBody source stream ImagesHeaderSize (int64 count * int64 rows * int64 cols) what
        { Count = count; Rows = rows; Cols = cols; Pixels = pixels }

    /// Checks that every label is below `classes`; raises naming the first that is not.
    let private checkLabelRange (source: string) (classes: int) (labels: byte[]) =
        let limit = uint32 classes
        let mutable i = 0
        while i < labels.Length && uint32 labels.[i] < limit do
            i <- i + 1
        if i < labels.Length then
            fail source (sprintf "found label %d at index %d (byte offset %d), expected a class in 0..%d" labels.[i] i (LabelsHeaderSize + i) (classes - 1))

    /// Checks a number of classes given to a label reader.
    let private checkClasses (op: string) (classes: int) =
        if classes < 1 || classes > 256 then
            raise (InvalidValueException(op, "a number of classes in 1..256 (labels are bytes)", string classes))

    /// Reads a label file's IDX bytes from a stream, checking every label against `classes`.
    let private readLabelsFrom (classes: int) (source: string) (stream: Stream) : int[] =
        let dims = readHeader source stream LabelsMagic LabelsHeaderSize
        let count = dims.[0]
        let bytes = readBody source stream LabelsHeaderSize (int64 count) (sprintf "%d labels" count)
        checkLabelRange source classes bytes
        Array.init bytes.Length (fun i -> int bytes.[i])

    /// Opens a file for reading, or raises `FileNotFoundException` naming the path.
    let private openFile (op: string) (path: string) : FileStream =
        if not (File.Exists path) then
            raise (FileNotFoundException(sprintf "%s: found no file at '%s'" op path, path))
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 <<< 16)

    /// Parses the bytes of an idx3 image file (raw or gzip-compressed). `source` names the
    /// data in error messages (a file path or a resource name).
    /// <exception cref="DataFormatException">when the bytes are not an idx3 file of unsigned
    /// bytes: wrong magic number (the message says whether it is a label file), a truncated
    /// header or truncated pixel data (expected and found byte counts), data after the last
    /// image, zero rows or columns, or a corrupt gzip stream.</exception>
    let parseImages (source: string) (bytes: byte[]) : IdxImages =
        use stream = new MemoryStream(bytes, false)
        decoded source stream (readImagesFrom source)

    /// Parses the bytes of an idx1 label file (raw or gzip-compressed) whose labels are
    /// classes 0 .. classes − 1 (pass 256 to accept every byte).
    /// <exception cref="DataFormatException">when the bytes are not an idx1 file of unsigned
    /// bytes (wrong magic number, truncated header or data, data after the last label, corrupt
    /// gzip stream) or a label is `classes` or more (the message names its index).</exception>
    /// <exception cref="InvalidValueException">when `classes` is not in 1..256.</exception>
    let parseLabels (classes: int) (source: string) (bytes: byte[]) : int[] =
        checkClasses "Idx.parseLabels" classes
        use stream = new MemoryStream(bytes, false)
        decoded source stream (readLabelsFrom classes source)

    /// Reads an idx3 image file, raw or gzip-compressed (recognised by its content), in one pass.
    /// <exception cref="System.IO.FileNotFoundException">when there is no file at `path` (the message names it).</exception>
    /// <exception cref="DataFormatException">when the file is not an idx3 file of unsigned bytes;
    /// see `parseImages`. The message names the path.</exception>
    let loadImages (path: string) : IdxImages =
        use stream = openFile "Idx.loadImages" path
        decoded path stream (readImagesFrom path)

    /// Reads an idx1 label file, raw or gzip-compressed, whose labels are classes
    /// 0 .. classes − 1 (pass 256 to accept every byte).
    /// <exception cref="System.IO.FileNotFoundException">when there is no file at `path` (the message names it).</exception>
    /// <exception cref="DataFormatException">when the file is not an idx1 file of unsigned bytes
    /// or holds a label outside 0 .. classes − 1; see `parseLabels`. The message names the path.</exception>
    /// <exception cref="InvalidValueException">when `classes` is not in 1..256.</exception>
    let loadLabels (classes: int) (path: string) : int[] =
        checkClasses "Idx.loadLabels" classes
        use stream = openFile "Idx.loadLabels" path
        decoded path stream (readLabelsFrom classes path)

    /// Checks that an `IdxImages` value holds `Count·Rows·Cols` pixels.
    let private checkImages (op: string) (images: IdxImages) =
        if images.Count < 0 || images.Rows < 1 || images.Cols < 1 then
            raise (InvalidValueException(op, "Count >= 0, Rows >= 1 and Cols >= 1", sprintf "Count %d, Rows %d, Cols %d" images.Count images.Rows images.Cols))
        let expected = int64 images.Count * int64 images.Rows * int64 images.Cols
        let pixels = images.Pixels.Length
        if int64 pixels <> expected then
            raise (ShapeMismatchException(op, sprintf "%d pixels for %d images of %dx%d" expected images.Count images.Rows images.Cols, sprintf "%d pixels" pixels))

    /// Puts images and their labels together as an `ImageSet` of `classes` classes. The
    /// arrays are shared, not copied.
    /// <exception cref="ShapeMismatchException">when the pixel count is not Count·Rows·Cols or
    /// there is not one label per image.</exception>
    /// <exception cref="InvalidValueException">when `classes` is less than 1 or a label is
    /// outside 0 .. classes − 1 (the message names its index).</exception>
    let imageSet (classes: int) (images: IdxImages) (labels: int[]) : ImageSet =
        let op = "Idx.imageSet"
        checkImages op images
        if classes < 1 then raise (InvalidValueException(op, "at least 1 class", string classes))
        if labels.Length <> images.Count then
            raise (ShapeMismatchException(op, sprintf "one label for each of the %d images" images.Count, sprintf "%d labels" labels.Length))
        match labels |> Array.tryFindIndex (fun l -> l < 0 || l >= classes) with
        | Some i -> raise (InvalidValueException(op, sprintf "labels in 0..%d" (classes - 1), sprintf "label %d at index %d" labels.[i] i))
        | None -> ()
        { Count = images.Count; Rows = images.Rows; Cols = images.Cols; Classes = classes; Images = images.Pixels; Labels = labels }

    /// Reads an image file and its label file (each raw or gzip-compressed) as an `ImageSet`
    /// of `classes` classes.
    /// <exception cref="System.IO.FileNotFoundException">when either file is missing (the message names it).</exception>
    /// <exception cref="DataFormatException">when either file is malformed (see `loadImages` and
    /// `loadLabels`), or the two files hold different numbers of images and labels (both
    /// paths and counts are named).</exception>
    /// <exception cref="InvalidValueException">when `classes` is not in 1..256.</exception>
    let loadImageSetWith (classes: int) (imagesPath: string) (labelsPath: string) : ImageSet =
        checkClasses "Idx.loadImageSetWith" classes
        let images = loadImages imagesPath
        let labels = loadLabels classes labelsPath
        if labels.Length <> images.Count then
            fail labelsPath (sprintf "found %d labels, expected one for each of the %d images in '%s'" labels.Length images.Count imagesPath)
        { Count = images.Count; Rows = images.Rows; Cols = images.Cols; Classes = classes; Images = images.Pixels; Labels = labels }

    /// Reads an image file and its label file with classes 0..9, as in MNIST and
    /// Fashion-MNIST; see `loadImageSetWith`.
    /// <exception cref="System.IO.FileNotFoundException">when either file is missing.</exception>
    /// <exception cref="DataFormatException">when either file is malformed, a label is outside
    /// 0..9, or the counts of images and labels differ.</exception>
    let loadImageSet (imagesPath: string) (labelsPath: string) : ImageSet = loadImageSetWith 10 imagesPath labelsPath

    /// Reads MNIST or Fashion-MNIST from a folder holding `train-images-idx3-ubyte`,
    /// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each
    /// under that name or with `.gz` appended (the name as is wins when both exist); labels
    /// are classes 0..9. (Debian's `dataset-fashion-mnist` package installs the gzip'd files in
    /// `/usr/share/datasets/fashion-mnist`.)
    /// <exception cref="System.IO.DirectoryNotFoundException">when the folder does not exist.</exception>
    /// <exception cref="System.IO.FileNotFoundException">when files are missing: the message names
    /// every missing one and the folder.</exception>
    /// <exception cref="DataFormatException">when a file is malformed or a pair's counts differ.</exception>
    let loadMnistFolder (dir: string) : ImageTrainTest =
        if not (Directory.Exists dir) then
            raise (DirectoryNotFoundException(sprintf "Idx.loadMnistFolder: found no folder '%s'" dir))
        let find (name: string) =
            let plain = Path.Combine(dir, name)
            let gz = plain + ".gz"
            if File.Exists plain then Some plain
            elif File.Exists gz then Some gz
            else None
        let found = mnistNames |> Array.map find
        let missing = Array.zip mnistNames found |> Array.filter (fun (_, p) -> p.IsNone) |> Array.map fst
        if missing.Length > 0 then
            let names = missing |> Array.map (fun n -> sprintf "%s(.gz)" n) |> String.concat ", "
            raise (FileNotFoundException(sprintf "Idx.loadMnistFolder: found no %s in '%s'" names dir, Path.Combine(dir, missing.[0])))
        let path i = Option.get found.[i]
        { TrainSet = loadImageSet (path 0) (path 1)
          TestSet = loadImageSet (path 2) (path 3) }

    /// The bytes of an IDX file: the header then the data, gzip-compressed on request.
    let private encode (compression: IdxCompression) (header: byte[]) (data: byte[]) : byte[] =
        match compression with
        | IdxCompression.Uncompressed ->
            let out = Array.zeroCreate<byte> (header.Length + data.Length)
            Buffer.BlockCopy(header, 0, out, 0, header.Length)
            Buffer.BlockCopy(data, 0, out, header.Length, data.Length)
            out
        | IdxCompression.Gzip ->
            use buffer = new MemoryStream()
            do
                use gz = new GZipStream(buffer, CompressionLevel.Optimal, true)
                gz.Write(header, 0, header.Length)
                gz.Write(data, 0, data.Length)
            buffer.ToArray()

    /// A big-endian header of 32-bit integers.
    let private header (values: int[]) =
        let bytes = Array.zeroCreate<byte> (4 * values.Length)
        values |> Array.iteri (fun i v -> BinaryPrimitives.WriteInt32BigEndian(Span(bytes, 4 * i, 4), v))
        bytes

    /// The bytes of an idx3 image file holding `images`, gzip-compressed on request.
    /// <exception cref="ShapeMismatchException">when `Pixels` does not hold Count·Rows·Cols bytes.</exception>
    /// <exception cref="InvalidValueException">when Count is negative or Rows or Cols is not positive.</exception>
    let encodeImages (compression: IdxCompression) (images: IdxImages) : byte[] =
        checkImages "Idx.encodeImages" images
        encode compression (header [| ImagesMagic; images.Count; images.Rows; images.Cols |]) images.Pixels

    /// The bytes of an idx1 label file holding `labels`, gzip-compressed on request.
    /// <exception cref="InvalidValueException">when a label is outside 0..255 (the message names its index).</exception>
    let encodeLabels (compression: IdxCompression) (labels: int[]) : byte[] =
        match labels |> Array.tryFindIndex (fun l -> l < 0 || l > 255) with
        | Some i -> raise (InvalidValueException("Idx.encodeLabels", "labels in 0..255 (one byte each)", sprintf "label %d at index %d" labels.[i] i))
        | None -> ()
        encode compression (header [| LabelsMagic; labels.Length |]) (Array.map byte labels)

    /// Writes `images` as an idx3 file at `path` (replacing any file there), gzip-compressed
    /// on request; the file name is not changed or checked.
    /// <exception cref="ShapeMismatchException">when `Pixels` does not hold Count·Rows·Cols bytes.</exception>
    /// <exception cref="InvalidValueException">when Count is negative or Rows or Cols is not positive.</exception>
    let writeImages (compression: IdxCompression) (path: string) (images: IdxImages) : unit =
        File.WriteAllBytes(path, encodeImages compression images)

    /// Writes `labels` as an idx1 file at `path` (replacing any file there), gzip-compressed
    /// on request; the file name is not changed or checked.
    /// <exception cref="InvalidValueException">when a label is outside 0..255.</exception>
    let writeLabels (compression: IdxCompression) (path: string) (labels: int[]) : unit =
        File.WriteAllBytes(path, encodeLabels compression labels)
