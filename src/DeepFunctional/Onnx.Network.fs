namespace DeepFunctional.Onnx

open System.Numerics
open DeepFunctional

/// Whole networks as ONNX graphs (opset 17, float32): the input preprocessing, every layer in
/// its inference form (`Export`), and a softmax head for a classifier, so a client feeds raw
/// values (for images: the IDX file's 0–255 pixels as float32) and reads probabilities.
[<RequireQualifiedAccess>]
module Onnx =

    /// The ONNX graph of a saved model: input `x` of shape [batch; InputShape] (batch symbolic,
    /// and the sequence length too when the first layer is an embedding or a recurrent layer, so
    /// a character model's graph runs a whole sequence of any length), output `y`. A double network is exported in single precision (its weights rounded to
    /// nearest). A recurrent layer that carries its state starts from that state.
    /// <exception cref="InvalidOperationException">when the network has no parameters.</exception>
    /// <exception cref="ShapeMismatchException">when its layers do not fit its input shape.</exception>
    let ofModel<'T when 'T :> IFloatingPointIeee754<'T>> (model: SavedModel<'T>) : ModelProto =
        let net = model.Network
        let ps =
            match net.Params with
            | Some ps -> ps
            | None -> raise (System.InvalidOperationException "Onnx.export: the network has no parameters yet; train it or call NeuralNetwork.initialise first")
        let input = Array.append [| 1 |] model.InputShape
        let shapes = NeuralNetwork.outputShapes net input
        // A network that starts with an embedding or a recurrent layer takes sequences of any
        // length (the saved input shape's length is only an example); its output keeps that
        // length while every layer passes the whole sequence on.
        let sequences =
            match net.Layers with
            | (Layer.Embedding _ | Layer.Sequence _) :: _ -> true
            | _ -> false
        let keepsSequence =
            sequences && net.Layers |> List.forall (function
                | Layer.Sequence spec -> spec.ReturnSequences
                | Layer.Embedding _ | Layer.Dropout _ -> true
                | _ -> false)
        let dims (symbolicSequence: bool) (shape: int[]) =
            Dimension.Symbolic "batch"
            :: [ for i in 1 .. shape.Length - 1 -> if i = 1 && symbolicSequence then Dimension.Symbolic "sequence" else Dimension.Fixed (int64 shape.[i]) ]
        let x, g = GraphBuilder.create "deepfunctional" |> GraphBuilder.input "x" (dims sequences input)
        let h, g =
            match model.Preprocessing with
            | Preprocessing.Identity -> x, g
            | Preprocessing.Standardize s -> Export.standardize s x g
            | Preprocessing.Pixels s -> Export.standardizePixels s x g
            | Preprocessing.Affine (scale, offset) ->
                let y, g = Export.scale scale x g
                let b, g = GraphBuilder.scalar "offset" offset g
                GraphBuilder.node "Add" [ y; b ] [] g
        let h, g =
            List.zip net.Layers ps
            |> List.fold (fun (h, g) (layer, p) ->
                match layer, p with
                | Layer.Dense spec, LayerParams.Dense d -> Export.denseLayer spec d h g
                | Layer.Conv2D spec, LayerParams.Conv2D c -> Export.conv2dLayer spec c h g
                | Layer.ConvTranspose2D spec, LayerParams.Conv2D c ->
                    let y, g = Export.convTranspose2d spec.Geometry.Conv spec.Geometry.OutputPadding c.W c.B h g
                    Export.activation spec.Activation y g
                | Layer.Reshape shape, _ -> Export.reshape shape h g
                | Layer.MaxPool2D (k, s), _ -> Export.maxPool k s h g
                | Layer.AvgPool2D (k, s), _ -> Export.avgPool k s h g
                | Layer.Flatten, _ -> Export.flatten h g
                | Layer.Dropout (keep, scaling), _ -> Export.dropout scaling keep h g
                | Layer.Sequence spec, LayerParams.Sequence (l, state) ->
                    let output = if spec.ReturnSequences then SequenceOutput.AllSteps else SequenceOutput.LastStep
                    Export.sequenceLayer l (if spec.CarryState then Some state else None) output h g
                | Layer.Embedding _, LayerParams.Embedding w ->
                    // The ids arrive as float32 like every input: Cast them to int64 for Gather.
                    let ids, g = GraphBuilder.node "Cast" [ h ] [ AttributeProto.int "to" 7L ] g
                    let table, g = GraphBuilder.tensor "embedding" w g
                    GraphBuilder.node "Gather" [ table; ids ] [ AttributeProto.int "axis" 0L ] g
                | _ -> raise (System.InvalidOperationException(sprintf "Onnx.export: the parameters of layer %A do not belong to it" layer))) (h, g)
        let h, g =
            match Loss.kind net.Loss with
            | Loss.SoftmaxCrossEntropy _ -> GraphBuilder.node "Softmax" [ h ] [ AttributeProto.int "axis" -1L ] g
            | _ -> h, g
        g |> GraphBuilder.output "y" h (dims keepsSequence (List.last shapes)) |> GraphBuilder.toModel

    /// Writes the ONNX graph of a saved model to a file atomically (`AtomicFile`).
    /// <exception cref="FileWriteException">when the file cannot be written there.</exception>
    /// <exception cref="InvalidOperationException">when the network has no parameters.</exception>
    let export<'T when 'T :> IFloatingPointIeee754<'T>> (path: string) (model: SavedModel<'T>) : unit =
        OnnxFile.write path (ofModel model)
