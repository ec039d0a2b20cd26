/// Made-up data shared by the core's and the book layer's suites.
module DeepFunctional.Tests.Synthetic

open DeepFunctional

/// Images of 8x8 holding a vertical (class 0) or a horizontal (class 1) bar at a random place, plus noise.
let bars (count: int) (seed: int64) =
    let noise, rng = Rng.normal 0.0 0.3 (count * 64) (Rng.seed seed)
    let places, _ = Rng.randint 0L 8L (2 * count) rng
    let x = Array.copy noise
    let labels = Array.init count (fun i -> i % 2)
    for i in 0 .. count - 1 do
        let at = int places.[i]
        for j in 0 .. 7 do
            let r, c = (if labels.[i] = 0 then j, at else at, j)
            x.[i * 64 + r * 8 + c] <- x.[i * 64 + r * 8 + c] + 1.0
    Tensor.ofFloats<float> [| count; 1; 8; 8 |] x, Classification.oneHot<float> 2 labels, labels
