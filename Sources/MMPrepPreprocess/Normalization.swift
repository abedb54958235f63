/// Per-channel mean and std, and the lookup table of every normalised 8-bit value.
public struct Normalization: Sendable, Equatable {
    public var mean: [Double]
    public var std: [Double]

    public static let openAICLIP = Normalization(mean: [0.48145466, 0.4578275, 0.40821073],
                                                 std: [0.26862954, 0.26130258, 0.27577711])
    public static let half = Normalization(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])

    public init(mean: [Double], std: [Double]) {
        precondition(mean.count == 3 && std.count == 3)
        self.mean = mean
        self.std = std
    }

    /// How the reference orders the float operations.
    public enum Arithmetic: String, Sendable {
        /// transformers' NumPy path: `x = float32(float64(v) * (1/255))`, then
        /// `(x - float32(mean)) / float32(std)` in float32.
        case rescaleThenNormalize
        /// The torch backends' fused form: `m = float32(mean) * float32(255)`,
        /// `s = float32(std) * float32(255)`, `(float32(v) - m) / s`, all in float32.
        case fused
    }

    /// `table[c * 256 + v]` is the normalised value of 8-bit sample v in channel c.
    public func lookupTable(_ arithmetic: Arithmetic = .rescaleThenNormalize) -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            let m = Float(mean[c]), s = Float(std[c])
            for v in 0..<256 {
                switch arithmetic {
                case .rescaleThenNormalize:
                    let x = Float(Double(v) * (1.0 / 255.0))
                    table[c * 256 + v] = (x - m) / s
                case .fused:
                    let m255 = Float(mean[c]) * Float(255), s255 = Float(std[c]) * Float(255)
                    table[c * 256 + v] = (Float(v) - m255) / s255
                }
            }
        }
        return table
    }
}
