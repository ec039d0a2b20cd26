namespace DeepFunctional

open System
open System.IO
open System.Numerics
open System.Reflection
open System.Text
open System.Text.Json

/// Where a saved model came from.
type Provenance =
    { /// The version of the library that wrote the file.
      LibraryVersion: string
      /// The seed of the fit that trained it, when known.
      Seed: int64 option
      /// The epochs it was trained for, when known.
      Epochs: int option
      /// Named final losses (e.g. "training", "validation"), when known.
      FinalLosses: (string * float) list }

/// A network with what is needed to use it outside the process that trained it.
type SavedModel<'T> =
    { /// The network, with its parameters (and its recurrent layers' carried states).
      Network: NeuralNetwork<'T>
      /// The shape of one input sample (no batch dimension): [features], [channels; h; w], [seq; features], [seq].
      InputShape: int[]
      /// What raw inputs go through before they reach the network.
      Preprocessing: Preprocessing
      /// The names of the classes, index by index, when the network is a classifier and they are known.
      Classes: string[] option
      /// The symbols of a character model, index by index.
      Vocabulary: char[] option
      /// Where the model came from.
      Provenance: Provenance }

/// What `ModelFile.loadWith` resolves by name: strategies and losses of the caller's (the book
/// layer's, for one) that a file names but cannot hold.
type ModelResolver =
    { /// Custom losses; a file's custom loss not found here becomes the library loss of its kind.
      Losses: CustomLoss list
      /// Seeding strategies; one not found here becomes a strategy that refuses to draw.
      Seedings: SeedingStrategy list
      /// Scaled initialisations; one not found here becomes one that refuses to draw.
      Inits: ScaledInit list
      /// Backends; one not found here becomes `Backend.fast`.
      Backends: Backend list }

/// The one model file of the library: a safetensors file (readable by any safetensors reader:
/// an 8-byte little-endian header length, a JSON header of tensor names, dtypes, shapes and
/// offsets, then the raw little-endian tensor bytes) whose `__metadata__` holds, as JSON
/// strings, the format and its version, the architecture, the preprocessing, the classes or the
/// vocabulary, the provenance, and the container's checksums (see `SafeTensors`).
///
/// Tensor names: `layers.{i}.{name}` for layer i's parameters in the order of
/// `NeuralNetwork.layerParameterShapes` (Dense `W` [in; out] and `B` [1; out]; Conv2D `W`
/// [inChannels; filters; k; k] and `B` [filters]; RNN `Wf`, `Bf`, LSTM `Wg` [in + hidden;
/// 4·hidden] with gate blocks f, i, o, C̄, `Bg`, GRU `Wg` (blocks r, u), `Bg`, `Wc`, `Bc`, then a
/// projection's `Wv`, `Bv`; Embedding `W` [vocabulary; dimensions]) and
/// `layers.{i}.state.H`/`.C` for a recurrent layer's carried state; F32 or F64 by precision.
///
/// Loading validates everything before it allocates: the container (length, checksums,
/// offsets), the metadata's JSON, every size against bounds with checked arithmetic, every
/// tensor's name, dtype and shape against the architecture, and finite values; every fault is a
/// `DataFormatException` naming the file and what is wrong.
[<RequireQualifiedAccess>]
module ModelFile =

    /// The format name in the metadata.
    [<Literal>]
    let FormatName = "deepfunctional.model"

    /// The version of the format `save` writes and `load` reads.
    [<Literal>]
    let FormatVersion = 1

    /// The largest size (units, channels, kernel side, vocabulary...) a file may declare.
    [<Literal>]
    let MaxSize = 16_777_216

    /// The library's version, as the provenance records it.
    let libraryVersion =
        let a = typeof<Backend>.Assembly
        match a.GetCustomAttribute<AssemblyInformationalVersionAttribute>() with
        | null -> string (a.GetName().Version)
        | v -> v.InformationalVersion

    /// A provenance of this library's version and nothing else known.
    let unknownProvenance = { LibraryVersion = libraryVersion; Seed = None; Epochs = None; FinalLosses = [] }

    /// A resolver that knows nothing of the caller's.
    let noResolver = { Losses = []; Seedings = []; Inits = []; Backends = [] }

    /// A model of a network and its input shape, nothing else known.
    let ofNetwork (inputShape: int[]) (net: NeuralNetwork<'T>) : SavedModel<'T> =
        { Network = net; InputShape = Array.copy inputShape; Preprocessing = Preprocessing.Identity; Classes = None
          Vocabulary = None; Provenance = unknownProvenance }

    // --- writing ---------------------------------------------------------------------------

    let private json (write: Utf8JsonWriter -> unit) : string =
        use stream = new MemoryStream()
        (use w = new Utf8JsonWriter(stream)
         write w)
        Encoding.UTF8.GetString(stream.ToArray())

    let private activationName (a: Activation) = string a

    let private initName (i: WeightInit) = string i

    let private scalingName (s: DropoutScaling) = match s with DropoutScaling.Inverted -> "Inverted" | DropoutScaling.Classic -> "Classic"

    let rec private writeLoss (w: Utf8JsonWriter) (loss: Loss) =
        w.WriteStartObject()
        match loss with
        | Loss.MeanSquaredError -> w.WriteString("kind", "MeanSquaredError")
        | Loss.MeanSquaredErrorPerValue -> w.WriteString("kind", "MeanSquaredErrorPerValue")
        | Loss.NormalizedMeanSquaredError -> w.WriteString("kind", "NormalizedMeanSquaredError")
        | Loss.SoftmaxCrossEntropy (eps, reduction) ->
            w.WriteString("kind", "SoftmaxCrossEntropy")
            w.WriteNumber("eps", eps)
            w.WriteString("reduction", (match reduction with Reduction.Mean -> "Mean" | Reduction.Sum -> "Sum"))
        | Loss.Custom c ->
            w.WriteString("kind", "Custom")
            w.WriteString("name", c.Name)
            w.WritePropertyName("base")
            writeLoss w c.Kind
        w.WriteEndObject()

    let private writeLayer (w: Utf8JsonWriter) (layer: Layer) =
        w.WriteStartObject()
        match layer with
        | Layer.Dense s ->
            w.WriteString("kind", "Dense")
            w.WriteNumber("neurons", s.Neurons)
            w.WriteString("activation", activationName s.Activation)
            w.WriteString("init", initName s.WeightInit)
            w.WriteNumber("keep", s.KeepProbability)
            w.WriteString("dropout", scalingName s.DropoutScaling)
        | Layer.Conv2D s ->
            w.WriteString("kind", "Conv2D")
            w.WriteNumber("filters", s.Filters)
            w.WriteNumber("kernel", s.KernelSize)
            w.WriteNumber("stride", s.Geometry.Stride)
            w.WriteNumber("padding", s.Geometry.Padding)
            w.WriteString("activation", activationName s.Activation)
            w.WriteString("init", initName s.WeightInit)
            w.WriteBoolean("bias", s.Bias)
            w.WriteBoolean("flatten", s.Flatten)
            w.WriteNumber("keep", s.KeepProbability)
            w.WriteString("dropout", scalingName s.DropoutScaling)
        | Layer.ConvTranspose2D s ->
            w.WriteString("kind", "ConvTranspose2D")
            w.WriteNumber("filters", s.Filters)
            w.WriteNumber("kernel", s.KernelSize)
            w.WriteNumber("stride", s.Geometry.Conv.Stride)
            w.WriteNumber("padding", s.Geometry.Conv.Padding)
            w.WriteNumber("output_padding", s.Geometry.OutputPadding)
            w.WriteString("activation", activationName s.Activation)
            w.WriteString("init", initName s.WeightInit)
            w.WriteBoolean("bias", s.Bias)
        | Layer.Reshape shape ->
            w.WriteString("kind", "Reshape")
            w.WriteStartArray("shape")
            for d in shape do w.WriteNumberValue d
            w.WriteEndArray()
        | Layer.MaxPool2D (k, st) ->
            w.WriteString("kind", "MaxPool2D")
            w.WriteNumber("kernel", k)
            w.WriteNumber("stride", st)
        | Layer.AvgPool2D (k, st) ->
            w.WriteString("kind", "AvgPool2D")
            w.WriteNumber("kernel", k)
            w.WriteNumber("stride", st)
        | Layer.Flatten -> w.WriteString("kind", "Flatten")
        | Layer.Dropout (keep, scaling) ->
            w.WriteString("kind", "Dropout")
            w.WriteNumber("keep", keep)
            w.WriteString("dropout", scalingName scaling)
        | Layer.Sequence s ->
            w.WriteString("kind", "Sequence")
            w.WriteString("cell", string s.Kind)
            w.WriteNumber("hidden", s.Hidden)
            match s.Outputs with Some o -> w.WriteNumber("outputs", o) | None -> w.WriteNull("outputs")
            w.WriteBoolean("return_sequences", s.ReturnSequences)
            w.WriteBoolean("carry_state", s.CarryState)
            match s.WeightScale with Some v -> w.WriteNumber("weight_scale", v) | None -> w.WriteNull("weight_scale")
        | Layer.Embedding (v, d) ->
            w.WriteString("kind", "Embedding")
            w.WriteNumber("vocabulary", v)
            w.WriteNumber("dimensions", d)
        w.WriteEndObject()

    let private precisionName<'T> () =
        if typeof<'T> = typeof<float32> then "float32"
        elif typeof<'T> = typeof<float> then "float64"
        else raise (NotSupportedException(sprintf "ModelFile: expected float or float32 elements, got %s" typeof<'T>.Name))

    let private architecture (model: SavedModel<'T>) =
        let net = model.Network
        json (fun w ->
            w.WriteStartObject()
            w.WriteString("precision", precisionName<'T> ())
            w.WritePropertyName("input_shape")
            w.WriteStartArray()
            for d in model.InputShape do w.WriteNumberValue d
            w.WriteEndArray()
            w.WriteNumber("seed", net.Seed)
            w.WriteString("seeding", string net.Seeding)
            w.WriteString("backend", net.Backend.Name)
            w.WritePropertyName("loss")
            writeLoss w net.Loss
            w.WritePropertyName("layers")
            w.WriteStartArray()
            for l in net.Layers do writeLayer w l
            w.WriteEndArray()
            w.WriteEndObject())

    let private preprocessing (p: Preprocessing) =
        json (fun w ->
            w.WriteStartObject()
            match p with
            | Preprocessing.Identity -> w.WriteString("kind", "Identity")
            | Preprocessing.Standardize s ->
                w.WriteString("kind", "Standardize")
                w.WritePropertyName("means")
                w.WriteStartArray()
                for m in s.Means do w.WriteNumberValue m
                w.WriteEndArray()
                w.WritePropertyName("stds")
                w.WriteStartArray()
                for d in s.Stds do w.WriteNumberValue d
                w.WriteEndArray()
            | Preprocessing.Pixels s ->
                w.WriteString("kind", "Pixels")
                w.WriteNumber("mean", s.Mean)
                w.WriteNumber("std", s.Std)
            | Preprocessing.Affine (scale, offset) ->
                w.WriteString("kind", "Affine")
                w.WriteNumber("scale", scale)
                w.WriteNumber("offset", offset)
            w.WriteEndObject())

    let private provenance (p: Provenance) =
        json (fun w ->
            w.WriteStartObject()
            w.WriteString("library_version", p.LibraryVersion)
            match p.Seed with Some s -> w.WriteNumber("seed", s) | None -> w.WriteNull("seed")
            match p.Epochs with Some e -> w.WriteNumber("epochs", e) | None -> w.WriteNull("epochs")
            w.WritePropertyName("final_losses")
            w.WriteStartObject()
            for name, v in p.FinalLosses do
                if Double.IsFinite v then w.WriteNumber(name, v) else w.WriteNull(name)
            w.WriteEndObject()
            w.WriteEndObject())

    let private entryOf<'T> (name: string) (t: Tensor<'T>) : TensorEntry =
        match box t with
        | :? Tensor<float32> as f -> SafeTensors.ofTensor name f
        | :? Tensor<float> as d -> SafeTensors.ofTensor name d
        | _ -> raise (NotSupportedException(sprintf "ModelFile: expected float or float32 elements, got %s" typeof<'T>.Name))

    /// The metadata and tensors of a model (what `save` writes).
    /// <exception cref="InvalidOperationException">when the network has no parameters.</exception>
    /// <exception cref="InvalidValueException">when the preprocessing, the classes or the input shape are out of range.</exception>
    let internal contents (model: SavedModel<'T>) : Map<string, string> * TensorEntry list =
        let op = "ModelFile.save"
        let net = model.Network
        let ps =
            match net.Params with
            | Some ps -> ps
            | None -> raise (InvalidOperationException(sprintf "%s: the network has no parameters yet; train it or call NeuralNetwork.initialise first" op))
        Preprocessing.check op model.Preprocessing
        if model.InputShape.Length < 1 || model.InputShape |> Array.exists (fun d -> d < 1 || d > MaxSize) then
            raise (InvalidValueException(op, sprintf "an input shape of sizes in 1..%d" MaxSize, Shape.format model.InputShape, "inputShape"))
        // The shapes the parameters must have, for this input (checks that they fit together).
        let expected = NeuralNetwork.parameterShapes net (Array.append [| 1 |] model.InputShape)
        let entries =
            [ for i, (p, shapes) in List.indexed (List.zip ps expected) do
                let tensors, states =
                    match p with
                    | LayerParams.Dense d -> [ d.W; d.B ], []
                    | LayerParams.Conv2D c -> c.W :: Option.toList c.B, []
                    | LayerParams.Sequence (l, s) -> SequenceLayer.parameters l, [ "H", s.H ] @ (match s.C with Some c -> [ "C", c ] | None -> [])
                    | LayerParams.Embedding w -> [ w ], []
                    | LayerParams.NoParams -> [], []
                if tensors.Length <> shapes.Length then
                    raise (InvalidOperationException(sprintf "%s: layer %d holds %d tensors where its description has %d" op i tensors.Length shapes.Length))
                for (name, shape), t in List.zip shapes tensors do
                    if shape <> t.Dims then
                        raise (ShapeMismatchException(op, sprintf "layer %d's %s of shape %s for inputs %s" i name (Shape.format shape) (Shape.format model.InputShape), Shape.format t.Dims, "model"))
                    yield entryOf (sprintf "layers.%d.%s" i name) t
                for name, t in states do
                    yield entryOf (sprintf "layers.%d.state.%s" i name) t ]
        let metadata =
            [ "format", FormatName
              "format_version", string FormatVersion
              "architecture", architecture model
              "preprocessing", preprocessing model.Preprocessing
              "provenance", provenance model.Provenance ]
            @ (match model.Classes with Some c -> [ "classes", json (fun w -> w.WriteStartArray(); (for n in c do w.WriteStringValue n); w.WriteEndArray()) ] | None -> [])
            @ (match model.Vocabulary with Some v -> [ "vocabulary", json (fun w -> w.WriteStringValue(String(v))) ] | None -> [])
            |> Map.ofList
        metadata, entries

    /// Writes a model to a file atomically (a temporary file in the same folder, flushed, then
    /// renamed over the target; an existing file is replaced whole or not at all).
    /// <exception cref="FileWriteException">when the file cannot be written there.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters.</exception>
    let save (path: string) (model: SavedModel<'T>) : unit =
        let metadata, entries = contents model
        SafeTensors.write path metadata entries

    // --- reading ---------------------------------------------------------------------------

    /// Reads and checks the metadata's JSON values; every fault names the file.
    type private Reader(source: string) =
        member _.Fail(problem: string) : 'a = raise (DataFormatException(source, 0, 0, problem))
        member r.Parse(key: string, text: string) : JsonDocument =
            try JsonDocument.Parse(text, JsonDocumentOptions(MaxDepth = 16))
            with :? JsonException as e -> r.Fail(sprintf "its %s metadata is not valid JSON (%s)" key e.Message)
        member r.Property(where: string, e: JsonElement, name: string) : JsonElement =
            if e.ValueKind <> JsonValueKind.Object then r.Fail(sprintf "%s is not a JSON object" where)
            match e.TryGetProperty name with
            | true, v -> v
            | _ -> r.Fail(sprintf "%s has no \"%s\"" where name)
        member r.String(where: string, e: JsonElement, name: string) : string =
            let v = r.Property(where, e, name)
            if v.ValueKind <> JsonValueKind.String then r.Fail(sprintf "%s's \"%s\" is not a string" where name)
            v.GetString() |> Option.ofObj |> Option.defaultValue ""
        member r.Bool(where: string, e: JsonElement, name: string) : bool =
            match r.Property(where, e, name).ValueKind with
            | JsonValueKind.True -> true
            | JsonValueKind.False -> false
            | _ -> r.Fail(sprintf "%s's \"%s\" is not true or false" where name)
        member r.Number(where: string, e: JsonElement, name: string) : float =
            let v = r.Property(where, e, name)
            match v.ValueKind with
            | JsonValueKind.Number ->
                let x = v.GetDouble()
                if not (Double.IsFinite x) then r.Fail(sprintf "%s's \"%s\" is not finite" where name)
                x
            | _ -> r.Fail(sprintf "%s's \"%s\" is not a number" where name)
        member r.Int(where: string, e: JsonElement, name: string, lo: int, hi: int) : int =
            let v = r.Property(where, e, name)
            match v.ValueKind with
            | JsonValueKind.Number ->
                match v.TryGetInt64() with
                | true, n when n >= int64 lo && n <= int64 hi -> int n
                | true, n -> r.Fail(sprintf "%s's \"%s\" is %d, outside %d..%d" where name n lo hi)
                | _ -> r.Fail(sprintf "%s's \"%s\" is not a whole number" where name)
            | _ -> r.Fail(sprintf "%s's \"%s\" is not a number" where name)
        member r.OptionalInt(where: string, e: JsonElement, name: string, lo: int, hi: int) : int option =
            if r.Property(where, e, name).ValueKind = JsonValueKind.Null then None else Some (r.Int(where, e, name, lo, hi))
        member r.OptionalNumber(where: string, e: JsonElement, name: string) : float option =
            if r.Property(where, e, name).ValueKind = JsonValueKind.Null then None else Some (r.Number(where, e, name))
        member r.Array(where: string, e: JsonElement, name: string) : JsonElement list =
            let v = r.Property(where, e, name)
            if v.ValueKind <> JsonValueKind.Array then r.Fail(sprintf "%s's \"%s\" is not an array" where name)
            [ for x in v.EnumerateArray() -> x ]

    let private unavailableInit (name: string) =
        ScaledInit(name, fun _ _ _ ->
            raise (InvalidOperationException(sprintf "ModelFile: the initialisation '%s' of a loaded layer was not given to ModelFile.loadWith, so the layer cannot draw new weights" name)))

    let private unavailableSeeding (name: string) =
        { new SeedingStrategy(name) with
            member _.LayerGenerator(_, _, _) =
                raise (InvalidOperationException(sprintf "ModelFile: the seeding '%s' of a loaded network was not given to ModelFile.loadWith, so the network cannot draw new weights" name))
            member _.SharesTrainingStream = false }

    let private activation (r: Reader) (where: string) (name: string) =
        match name with
        | "Linear" -> Activation.Linear
        | "Sigmoid" -> Activation.Sigmoid
        | "Tanh" -> Activation.Tanh
        | "ReLU" -> Activation.ReLU
        | other -> r.Fail(sprintf "%s has an unknown activation '%s'" where other)

    let private init (r: Reader) (resolver: ModelResolver) (name: string) =
        match name with
        | "StandardNormal" -> WeightInit.StandardNormal
        | "Glorot" -> WeightInit.Glorot
        | other ->
            if String.IsNullOrEmpty other then r.Fail "a layer has an empty initialisation name"
            WeightInit.Scaled(resolver.Inits |> List.tryFind (fun i -> i.Name = other) |> Option.defaultWith (fun () -> unavailableInit other))

    let private scaling (r: Reader) (where: string) (name: string) =
        match name with
        | "Inverted" -> DropoutScaling.Inverted
        | "Classic" -> DropoutScaling.Classic
        | other -> r.Fail(sprintf "%s has an unknown dropout scaling '%s'" where other)

    let private keep (r: Reader) (where: string) (e: JsonElement) =
        let k = r.Number(where, e, "keep")
        if not (k > 0.0 && k <= 1.0) then r.Fail(sprintf "%s keeps %g of its units, outside (0, 1]" where k)
        k

    let private readLayer (r: Reader) (resolver: ModelResolver) (i: int) (e: JsonElement) : Layer =
        let where = sprintf "layer %d" i
        let size name = r.Int(where, e, name, 1, MaxSize)
        match r.String(where, e, "kind") with
        | "Dense" ->
            Layer.Dense
                { Neurons = size "neurons"; Activation = activation r where (r.String(where, e, "activation"))
                  WeightInit = init r resolver (r.String(where, e, "init"))
                  KeepProbability = keep r where e; DropoutScaling = scaling r where (r.String(where, e, "dropout")) }
        | "Conv2D" ->
            Layer.Conv2D
                { Filters = size "filters"; KernelSize = r.Int(where, e, "kernel", 1, 4096)
                  Geometry = { Stride = r.Int(where, e, "stride", 1, 4096); Padding = r.Int(where, e, "padding", 0, 4096) }
                  Activation = activation r where (r.String(where, e, "activation"))
                  WeightInit = init r resolver (r.String(where, e, "init"))
                  Bias = r.Bool(where, e, "bias"); Flatten = r.Bool(where, e, "flatten")
                  KeepProbability = keep r where e; DropoutScaling = scaling r where (r.String(where, e, "dropout")) }
        | "ConvTranspose2D" ->
            let stride = r.Int(where, e, "stride", 1, 4096)
            let outputPadding = r.Int(where, e, "output_padding", 0, 4095)
            if outputPadding >= stride then
                r.Fail(sprintf "%s has an output padding of %d, not below its stride %d" where outputPadding stride)
            Layer.ConvTranspose2D
                { Filters = size "filters"; KernelSize = r.Int(where, e, "kernel", 1, 4096)
                  Geometry = { Conv = { Stride = stride; Padding = r.Int(where, e, "padding", 0, 4096) }; OutputPadding = outputPadding }
                  Activation = activation r where (r.String(where, e, "activation"))
                  WeightInit = init r resolver (r.String(where, e, "init"))
                  Bias = r.Bool(where, e, "bias") }
        | "Reshape" ->
            let sides = r.Array(where, e, "shape")
            if sides.IsEmpty || sides.Length > 8 then
                r.Fail(sprintf "%s's \"shape\" has %d sides, not 1 to 8" where sides.Length)
            Layer.Reshape
                [| for d in sides do
                    match d.ValueKind, (if d.ValueKind = JsonValueKind.Number then d.TryGetInt64() else (false, 0L)) with
                    | JsonValueKind.Number, (true, n) when n >= 1L && n <= int64 MaxSize -> yield int n
                    | _ -> r.Fail(sprintf "%s's \"shape\" has a side that is not a whole number in 1..%d" where MaxSize) |]
        | "MaxPool2D" -> Layer.MaxPool2D (r.Int(where, e, "kernel", 1, 4096), r.Int(where, e, "stride", 1, 4096))
        | "AvgPool2D" -> Layer.AvgPool2D (r.Int(where, e, "kernel", 1, 4096), r.Int(where, e, "stride", 1, 4096))
        | "Flatten" -> Layer.Flatten
        | "Dropout" -> Layer.Dropout (keep r where e, scaling r where (r.String(where, e, "dropout")))
        | "Sequence" ->
            let kind =
                match r.String(where, e, "cell") with
                | "RNN" -> CellKind.Rnn
                | "LSTM" -> CellKind.Lstm
                | "GRU" -> CellKind.Gru
                | other -> r.Fail(sprintf "%s has an unknown cell '%s'" where other)
            let scale = r.OptionalNumber(where, e, "weight_scale")
            match scale with
            | Some s when s <= 0.0 -> r.Fail(sprintf "%s has a weight scale of %g, not positive" where s)
            | _ -> ()
            Layer.Sequence
                { Kind = kind; Hidden = size "hidden"; Outputs = r.OptionalInt(where, e, "outputs", 1, MaxSize)
                  ReturnSequences = r.Bool(where, e, "return_sequences"); CarryState = r.Bool(where, e, "carry_state")
                  WeightScale = scale }
        | "Embedding" -> Layer.Embedding (size "vocabulary", size "dimensions")
        | other -> r.Fail(sprintf "%s is of an unknown kind '%s'" where other)

    let rec private readLoss (r: Reader) (resolver: ModelResolver) (depth: int) (e: JsonElement) : Loss =
        let where = "the loss"
        match r.String(where, e, "kind") with
        | "MeanSquaredError" -> Loss.MeanSquaredError
        | "MeanSquaredErrorPerValue" -> Loss.MeanSquaredErrorPerValue
        | "NormalizedMeanSquaredError" -> Loss.NormalizedMeanSquaredError
        | "SoftmaxCrossEntropy" ->
            let eps = r.Number(where, e, "eps")
            if not (eps >= 0.0 && eps < 0.5) then r.Fail(sprintf "the loss has eps %g, outside [0, 0.5)" eps)
            let reduction =
                match r.String(where, e, "reduction") with
                | "Mean" -> Reduction.Mean
                | "Sum" -> Reduction.Sum
                | other -> r.Fail(sprintf "the loss has an unknown reduction '%s'" other)
            Loss.SoftmaxCrossEntropy(eps, reduction)
        | "Custom" when depth < 4 ->
            let name = r.String(where, e, "name")
            let kind = readLoss r resolver (depth + 1) (r.Property(where, e, "base"))
            match resolver.Losses |> List.tryFind (fun c -> c.Name = name) with
            | Some c -> Loss.Custom c
            | None -> kind
        | other -> r.Fail(sprintf "the loss is of an unknown kind '%s'" other)

    let private readPreprocessing (r: Reader) (e: JsonElement) : Preprocessing =
        let where = "the preprocessing"
        let p =
            match r.String(where, e, "kind") with
            | "Identity" -> Preprocessing.Identity
            | "Standardize" ->
                let numbers name = r.Array(where, e, name) |> List.map (fun v -> if v.ValueKind = JsonValueKind.Number then v.GetDouble() else r.Fail(sprintf "the preprocessing's %s hold a value that is not a number" name)) |> Array.ofList
                Preprocessing.Standardize { Means = numbers "means"; Stds = numbers "stds" }
            | "Pixels" -> Preprocessing.Pixels { Mean = r.Number(where, e, "mean"); Std = r.Number(where, e, "std") }
            | "Affine" -> Preprocessing.Affine (r.Number(where, e, "scale"), r.Number(where, e, "offset"))
            | other -> r.Fail(sprintf "the preprocessing is of an unknown kind '%s'" other)
        try
            Preprocessing.check "ModelFile.load" p
            p
        with :? InvalidValueException as ex -> r.Fail(sprintf "the preprocessing is out of range (%s)" ex.Message)

    /// The precision ("float32" or "float64") of the model in a file, read from its metadata.
    /// <exception cref="DataFormatException">when the file is not a model file of a known version.</exception>
    let private precisionOf (file: TensorFile) : string * JsonDocument =
        let r = Reader(file.Source)
        match Map.tryFind "format" file.Metadata, Map.tryFind "format_version" file.Metadata with
        | Some f, _ when f <> FormatName -> r.Fail(sprintf "a safetensors file of format '%s', not a DeepFunctional model (%s)" f FormatName)
        | None, _ -> r.Fail(sprintf "a safetensors file without the metadata of a DeepFunctional model (no \"format\": %s)" FormatName)
        | Some _, Some v when v <> string FormatVersion -> r.Fail(sprintf "model format version %s, but this library reads version %d" v FormatVersion)
        | Some _, None -> r.Fail "no format version in the metadata"
        | _ -> ()
        let arch =
            match Map.tryFind "architecture" file.Metadata with
            | Some a -> r.Parse("architecture", a)
            | None -> r.Fail "no architecture in the metadata"
        match r.String("the architecture", arch.RootElement, "precision") with
        | "float32" | "float64" as p -> p, arch
        | other -> r.Fail(sprintf "an unknown precision '%s'" other)

    /// The precision of the model in a file: "float32" or "float64".
    /// <exception cref="DataFormatException">when the file is not a valid model file.</exception>
    let precision (path: string) : string =
        let file = SafeTensors.read path
        let p, arch = precisionOf file
        arch.Dispose()
        p

    let private tensorOf<'T when 'T :> IFloatingPointIeee754<'T>> (r: Reader) (e: TensorEntry) : Tensor<'T> =
        let t =
            match box Unchecked.defaultof<'T> with
            | :? float32 -> if e.DType <> DType.F32 then r.Fail(sprintf "tensor %s is %s where F32 belongs" e.Name (DType.name e.DType)) else unbox<Tensor<'T>> (box (SafeTensors.toTensor<float32> e))
            | _ -> if e.DType <> DType.F64 then r.Fail(sprintf "tensor %s is %s where F64 belongs" e.Name (DType.name e.DType)) else unbox<Tensor<'T>> (box (SafeTensors.toTensor<float> e))
        if not (Tensor.isFinite t) then r.Fail(sprintf "tensor %s holds a value that is not finite" e.Name)
        t

    /// `loadWith` on a file already read, accepting the extra tensors `extra` names (a checkpoint's).
    let internal loadFrom<'T when 'T :> IFloatingPointIeee754<'T>> (resolver: ModelResolver) (extra: string -> bool) (file: TensorFile) : SavedModel<'T> =
        let r = Reader(file.Source)
        let precision, arch = precisionOf file
        use arch = arch
        let wanted = precisionName<'T> ()
        if precision <> wanted then r.Fail(sprintf "a %s model where a %s one was asked for (load it in %s precision)" precision wanted (if precision = "float32" then "single" else "double"))
        let root = arch.RootElement
        let where = "the architecture"
        let inputShape = r.Array(where, root, "input_shape") |> List.map (fun v -> match v.TryGetInt32() with | true, n when n >= 1 && n <= MaxSize -> n | _ -> r.Fail(sprintf "the input shape holds a size outside 1..%d" MaxSize)) |> Array.ofList
        if inputShape.Length = 0 || inputShape.Length > 3 then r.Fail(sprintf "an input shape of %d dimensions (1 to 3 belong)" inputShape.Length)
        let seed = r.Number(where, root, "seed")
        if not (seed >= 0.0 && seed <= float UInt32.MaxValue && Math.Floor seed = seed) then r.Fail(sprintf "a seed of %g, outside 0..4294967295" seed)
        let seeding =
            match r.String(where, root, "seeding") with
            | "PerNetwork" -> Seeding.PerNetwork
            | name -> Seeding.Strategy(resolver.Seedings |> List.tryFind (fun s -> s.Name = name) |> Option.defaultWith (fun () -> unavailableSeeding name))
        let backendName = r.String(where, root, "backend")
        let backend = resolver.Backends |> List.tryFind (fun b -> b.Name = backendName) |> Option.defaultValue Backend.fast
        let loss = readLoss r resolver 0 (r.Property(where, root, "loss"))
        let layerJson = r.Array(where, root, "layers")
        if layerJson.IsEmpty || layerJson.Length > 1024 then r.Fail(sprintf "%d layers (1 to 1024 belong)" layerJson.Length)
        let layers = layerJson |> List.mapi (readLayer r resolver)
        let net: NeuralNetwork<'T> =
            try
                NeuralNetwork.create layers loss (int64 seed) |> NeuralNetwork.withSeeding seeding |> NeuralNetwork.withBackend backend
            with :? InvalidValueException as e -> r.Fail(sprintf "its layers do not fit together (%s)" e.Message)
        let input = Array.append [| 1 |] inputShape
        let shapes =
            try NeuralNetwork.parameterShapes net input
            with
            | :? ShapeMismatchException as e -> r.Fail(sprintf "its layers do not fit its input shape %s (%s)" (Shape.format inputShape) e.Message)
            | :? InvalidValueException as e -> r.Fail(sprintf "its layers do not fit its input shape %s (%s)" (Shape.format inputShape) e.Message)
        // Every tensor the architecture asks for, by name, dtype and shape; no others.
        let expected =
            [ for i, (layer, ss) in List.indexed (List.zip layers shapes) do
                for name, shape in ss do yield sprintf "layers.%d.%s" i name, shape
                match layer with
                | Layer.Sequence spec -> for name, shape in SequenceLayer.stateShapes spec do yield sprintf "layers.%d.state.%s" i name, shape
                | _ -> () ]
        let names = expected |> List.map fst |> Set.ofList
        for e in file.Entries do
            if not (names.Contains e.Name) && not (extra e.Name) then r.Fail(sprintf "a tensor %s that its architecture does not have" e.Name)
        let find (name: string) (shape: int[]) =
            match SafeTensors.tryFind name file with
            | Some e ->
                if e.Shape <> shape then r.Fail(sprintf "tensor %s of shape %s where %s belongs" name (Shape.format e.Shape) (Shape.format shape))
                tensorOf<'T> r e
            | None -> r.Fail(sprintf "no tensor %s (its architecture needs one of shape %s)" name (Shape.format shape))
        let tensors = List.mapi (fun i ss -> [ for name, shape in ss -> find (sprintf "layers.%d.%s" i name) shape ]) shapes
        let states =
            layers |> List.mapi (fun i layer ->
                match layer with
                | Layer.Sequence spec ->
                    match SequenceLayer.stateShapes spec |> List.map (fun (name, shape) -> find (sprintf "layers.%d.state.%s" i name) shape) with
                    | [ h ] -> Some { H = h; C = None }
                    | [ h; c ] -> Some { H = h; C = Some c }
                    | _ -> None
                | _ -> None)
        let net = NeuralNetwork.ofParameters input tensors states net
        let preprocessing =
            match Map.tryFind "preprocessing" file.Metadata with
            | Some p -> use d = r.Parse("preprocessing", p) in readPreprocessing r d.RootElement
            | None -> r.Fail "no preprocessing in the metadata"
        let classes =
            match Map.tryFind "classes" file.Metadata with
            | Some c ->
                use d = r.Parse("classes", c)
                if d.RootElement.ValueKind <> JsonValueKind.Array then r.Fail "its classes are not a JSON array"
                Some [| for v in d.RootElement.EnumerateArray() ->
                            if v.ValueKind = JsonValueKind.String then v.GetString() |> Option.ofObj |> Option.defaultValue "" else r.Fail "its classes hold a value that is not a string" |]
            | None -> None
        let vocabulary =
            match Map.tryFind "vocabulary" file.Metadata with
            | Some v ->
                use d = r.Parse("vocabulary", v)
                if d.RootElement.ValueKind <> JsonValueKind.String then r.Fail "its vocabulary is not a JSON string"
                let symbols = (d.RootElement.GetString() |> Option.ofObj |> Option.defaultValue "").ToCharArray()
                if symbols.Length = 0 then r.Fail "its vocabulary is empty"
                for k in 1 .. symbols.Length - 1 do
                    if symbols.[k] <= symbols.[k - 1] then r.Fail(sprintf "its vocabulary is not sorted and distinct at symbol %d" k)
                Some symbols
            | None -> None
        let provenance =
            match Map.tryFind "provenance" file.Metadata with
            | Some p ->
                use d = r.Parse("provenance", p)
                let e = d.RootElement
                let w = "the provenance"
                { LibraryVersion = r.String(w, e, "library_version")
                  Seed = r.OptionalNumber(w, e, "seed") |> Option.map int64
                  Epochs = r.OptionalInt(w, e, "epochs", 0, Int32.MaxValue)
                  FinalLosses =
                    let losses = r.Property(w, e, "final_losses")
                    if losses.ValueKind <> JsonValueKind.Object then r.Fail "its provenance's final losses are not a JSON object"
                    [ for p in losses.EnumerateObject() ->
                        p.Name, (match p.Value.ValueKind with JsonValueKind.Number -> p.Value.GetDouble() | JsonValueKind.Null -> nan | _ -> r.Fail "its provenance's final losses hold a value that is not a number") ] }
            | None -> r.Fail "no provenance in the metadata"
        { Network = net; InputShape = inputShape; Preprocessing = preprocessing; Classes = classes; Vocabulary = vocabulary; Provenance = provenance }

    /// Reads a model from a file of the same precision as 'T, resolving the caller's strategies
    /// and losses by name.
    /// <exception cref="DataFormatException">when the file is not a valid model file of this
    /// precision: truncated or altered anywhere, of an unknown version, layer kind or precision,
    /// or with tensors that do not fit its architecture.</exception>
    let loadWith<'T when 'T :> IFloatingPointIeee754<'T>> (resolver: ModelResolver) (path: string) : SavedModel<'T> =
        loadFrom resolver (fun _ -> false) (SafeTensors.read path)

    /// `loadWith` with no strategies of the caller's.
    /// <exception cref="DataFormatException">when the file is not a valid model file of this precision.</exception>
    let load<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) : SavedModel<'T> = loadWith noResolver path

    /// A character model as a saved model (its vocabulary, one-hot inputs of [seq; vocabulary]).
    let ofCharModel (model: CharModel<'T>) : SavedModel<'T> =
        { ofNetwork [| 1; model.Vocabulary.Length |] model.Network with Vocabulary = Some (Array.copy model.Vocabulary) }

    /// The character model of a saved model.
    /// <exception cref="DataFormatException">when the model has no vocabulary or does not fit it.</exception>
    let toCharModel (source: string) (model: SavedModel<'T>) : CharModel<'T> =
        match model.Vocabulary with
        | None -> raise (DataFormatException(source, 0, 0, "a model without a vocabulary, not a character model"))
        | Some v ->
            if model.InputShape.Length <> 2 || model.InputShape.[1] <> v.Length then
                raise (DataFormatException(source, 0, 0, sprintf "a character model of %d symbols whose input shape is %s" v.Length (Shape.format model.InputShape)))
            { Vocabulary = v; Network = model.Network }
