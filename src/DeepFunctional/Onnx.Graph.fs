namespace DeepFunctional.Onnx

open System.Numerics
open DeepFunctional

/// An ONNX graph under construction: an immutable value that accumulates nodes, initializers,
/// inputs and outputs. Every value and node gets a name no other has; each function returns
/// the new builder (and the name it chose), the old one stays valid.
type GraphBuilder =
    private
        { GraphName: string
          /// Newest first.
          Nodes: NodeProto list
          /// Newest first.
          Initializers: TensorProto list
          /// Newest first.
          Inputs: ValueInfoProto list
          /// Newest first.
          Outputs: ValueInfoProto list
          /// The values nodes may read: inputs, initializers and node outputs.
          Values: Set<string>
          /// Every name given so far (values and nodes).
          Taken: Set<string> }

/// Building ONNX graphs. Values are float32 unless said otherwise: tensors of a double model
/// are rounded to float32 when they become initializers.
[<RequireQualifiedAccess>]
module GraphBuilder =

    /// An empty graph with the given name.
    let create (name: string) : GraphBuilder =
        { GraphName = name; Nodes = []; Initializers = []; Inputs = []; Outputs = []; Values = Set.empty; Taken = Set.empty }

    /// A name not taken yet: `stem` itself when it is free, else `stem_1`, `stem_2`, …; the
    /// name is reserved in the returned builder.
    let freshName (stem: string) (g: GraphBuilder) : string * GraphBuilder =
        let stem = if System.String.IsNullOrEmpty stem then "v" else stem
        let mutable name = stem
        let mutable k = 0
        while g.Taken.Contains name do
            k <- k + 1
            name <- sprintf "%s_%d" stem k
        name, { g with Taken = g.Taken.Add name }

    /// True when nodes can read a value of this name (an input, an initializer or a node output).
    let hasValue (name: string) (g: GraphBuilder) = g.Values.Contains name

    let private claim (op: string) (name: string) (g: GraphBuilder) =
        if System.String.IsNullOrEmpty name then
            raise (InvalidValueException(op, "a non-empty name", "\"\""))
        if g.Taken.Contains name then
            raise (InvalidValueException(op, "a name not used yet in the graph", sprintf "'%s'" name))
        { g with Taken = g.Taken.Add name; Values = g.Values.Add name }

    /// Declares a float32 graph input of the given shape (use `Dimension.Symbolic "batch"` for a
    /// batch of any size); returns its name, exactly as given.
    /// <exception cref="InvalidValueException">when the name is empty or already used.</exception>
    let input (name: string) (shape: Dimension list) (g: GraphBuilder) : string * GraphBuilder =
        let g = claim "GraphBuilder.input" name g
        name, { g with Inputs = { Name = name; ElemType = DataType.Float; Shape = shape } :: g.Inputs }

    /// Adds a constant tensor under a fresh name derived from `stem` (the tensor's own name is
    /// replaced); returns that name.
    let initializer (stem: string) (t: TensorProto) (g: GraphBuilder) : string * GraphBuilder =
        let name, g = freshName stem g
        name, { g with Initializers = { t with Name = name } :: g.Initializers; Values = g.Values.Add name }

    /// Adds a float32 constant of the given dimensions (row-major values).
    /// <exception cref="ShapeMismatchException">when the element count does not match the dimensions.</exception>
    let floats (stem: string) (dims: int[]) (values: float32[]) (g: GraphBuilder) : string * GraphBuilder =
        initializer stem (TensorProto.ofFloat32 stem dims values) g

    /// Adds an int64 constant of the given dimensions (shapes, axes, indices).
    /// <exception cref="ShapeMismatchException">when the element count does not match the dimensions.</exception>
    let int64s (stem: string) (dims: int[]) (values: int64[]) (g: GraphBuilder) : string * GraphBuilder =
        initializer stem (TensorProto.ofInt64 stem dims values) g

    /// Adds a tensor of ours as a float32 constant of the same shape (a double tensor is rounded
    /// to float32, to nearest).
    let tensor<'T when 'T :> IFloatingPointIeee754<'T>> (stem: string) (t: Tensor<'T>) (g: GraphBuilder) : string * GraphBuilder =
        floats stem t.Dims (t.Data |> Array.map (fun v -> float32 (Num.toFloat v))) g

    /// Adds a float32 scalar constant (dimensions []).
    let scalar (stem: string) (value: float) (g: GraphBuilder) : string * GraphBuilder =
        floats stem [||] [| float32 value |] g

    /// Appends a node of the default domain with `outputs` outputs, named `<opType>_<n>` with
    /// outputs `<node>_out<k>`; returns the output names. An input "" leaves out an optional input.
    /// <exception cref="InvalidValueException">when an input names no value of the graph, or outputs is below 1.</exception>
    let nodeWithOutputs (opType: string) (inputs: string list) (attributes: AttributeProto list) (outputs: int) (g: GraphBuilder) : string list * GraphBuilder =
        let op = sprintf "GraphBuilder.node (%s)" opType
        if outputs < 1 then
            raise (InvalidValueException(op, "at least one output", string outputs))
        for i in inputs do
            if i <> "" && not (g.Values.Contains i) then
                raise (InvalidValueException(op, "inputs that are values of the graph (inputs, initializers or node outputs)", sprintf "'%s'" i))
        let nodeName, g = freshName (sprintf "%s_%d" opType g.Nodes.Length) g
        let names, g =
            List.mapFold (fun g k -> freshName (if outputs = 1 then nodeName + "_out" else sprintf "%s_out%d" nodeName k) g) g [ 0 .. outputs - 1 ]
        let node = { Name = nodeName; OpType = opType; Domain = ""; Inputs = inputs; Outputs = names; Attributes = attributes }
        names, { g with Nodes = node :: g.Nodes; Values = Set.union g.Values (Set.ofList names) }

    /// Appends a node of the default domain with one output; returns the output's name.
    /// <exception cref="InvalidValueException">when an input names no value of the graph.</exception>
    let node (opType: string) (inputs: string list) (attributes: AttributeProto list) (g: GraphBuilder) : string * GraphBuilder =
        match nodeWithOutputs opType inputs attributes 1 g with
        | [ y ], g -> y, g
        | _ -> raise (System.InvalidOperationException "GraphBuilder.node: a one-output node returned another count")

    /// Declares a float32 graph output called `name` holding `value`: the value itself when the
    /// names agree, else an Identity node from value to `name`.
    /// <exception cref="InvalidValueException">when the value is unknown, or `name` is used by
    /// anything but that value, or the value is already an output.</exception>
    let output (name: string) (value: string) (shape: Dimension list) (g: GraphBuilder) : GraphBuilder =
        let op = "GraphBuilder.output"
        if not (g.Values.Contains value) then
            raise (InvalidValueException(op, "a value of the graph", sprintf "'%s'" value))
        if g.Outputs |> List.exists (fun o -> o.Name = name) then
            raise (InvalidValueException(op, "an output name not declared yet", sprintf "'%s'" name))
        let g =
            if name = value then g
            else
                let g = claim op name g
                let nodeName, g = freshName (sprintf "Identity_%d" g.Nodes.Length) g
                { g with Nodes = { Name = nodeName; OpType = "Identity"; Domain = ""; Inputs = [ value ]; Outputs = [ name ]; Attributes = [] } :: g.Nodes }
        { g with Outputs = { Name = name; ElemType = DataType.Float; Shape = shape } :: g.Outputs }

    /// The finished graph: nodes, initializers, inputs and outputs in the order they were added.
    /// <exception cref="InvalidValueException">when the graph has no output.</exception>
    let toGraph (g: GraphBuilder) : GraphProto =
        if g.Outputs.IsEmpty then
            raise (InvalidValueException("GraphBuilder.toGraph", "a graph with at least one output", "none"))
        { Name = g.GraphName
          Nodes = List.rev g.Nodes
          Initializers = List.rev g.Initializers
          Inputs = List.rev g.Inputs
          Outputs = List.rev g.Outputs
          DocString = "" }

    /// The finished model: IR version 8, ONNX operator set 17 (see `ModelProto.ofGraph`).
    /// <exception cref="InvalidValueException">when the graph has no output.</exception>
    let toModel (g: GraphBuilder) : ModelProto = ModelProto.ofGraph (toGraph g)
