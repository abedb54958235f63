/// Index sequences computed exactly as the reference libraries compute them, including
/// their floating-point quirks (float32 storage, vectorised blocks), so that borderline
/// indices round the same way.
public enum ReferenceSequences {
    /// Lanes of torch's CPU `Vectorized<float>` (8 with AVX2; 16 with AVX-512 kernels).
    public static let defaultTorchVectorWidth = 8

    /// `np.linspace(start, stop, num)` in float64.
    public static func numpyLinspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 0 else { return [] }
        let div = num - 1
        if div <= 0 { return [start] }
        let step = (stop - start) / Double(div)
        var y = (0..<num).map { step == 0 ? Double($0) / Double(div) * (stop - start) + start : Double($0) * step + start }
        y[num - 1] = stop
        return y
    }

    /// `torch.linspace(start, end, steps)` for float32 on x86 CPUs: the first half is filled
    /// forward from start and the second half backward from end, in float32, each value one
    /// fused multiply-add (x86 builds of torch contract `start + step * i` to an FMA).
    public static func torchLinspaceFloat32(_ startD: Double, _ endD: Double, _ steps: Int) -> [Float] {
        guard steps > 0 else { return [] }
        if steps == 1 { return [Float(startD)] }
        let start = Float(startD), end = Float(endD)
        let step: Float = (end - start) / Float(steps - 1)
        let halfway = steps / 2
        return (0..<steps).map { i in
            i < halfway ? start.addingProduct(step, Float(i)) : end.addingProduct(-step, Float(steps - i - 1))
        }
    }

    /// `torch.arange(0, end, step)` with a Python float step, as float32 (then `.int()`
    /// truncates). The length is `ceil(end / step)`; values are computed in double and stored
    /// as float32.
    public static func torchArangeFloat32(end: Double, step: Double,
                                          vectorWidth: Int = defaultTorchVectorWidth) -> [Float] {
        let size = Int((end / step).rounded(.up))
        guard size > 0 else { return [] }
        func scalar(_ idx: Int) -> Float { Float(step * Double(idx)) }
        func vector(_ idx: Int) -> [Float] {
            let base = Float(step * Double(idx))
            return (0..<vectorWidth).map { Float(Double(base) + Double($0) * step) }
        }
        return torchSerialKernel(count: size, vectorWidth: vectorWidth, scalar: scalar, vector: vector)
    }

    /// ATen's `vectorized_loop`: pairs of vectors while at least two fit, then scalars.
    static func torchSerialKernel(count: Int, vectorWidth: Int, scalar: (Int) -> Float,
                                  vector: (Int) -> [Float]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(count)
        var i = 0
        while i <= count - 2 * vectorWidth {
            out += vector(i)
            out += vector(i + vectorWidth)
            i += 2 * vectorWidth
        }
        while i < count {
            out.append(scalar(i))
            i += 1
        }
        return out
    }
}
