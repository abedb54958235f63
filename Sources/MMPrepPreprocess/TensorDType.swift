/// Element types of the output tensors.
public enum TensorDType: String, Sendable, CaseIterable, Codable {
    case float32, bfloat16, float16, uint8

    public var byteWidth: Int {
        switch self {
        case .float32: 4
        case .bfloat16, .float16: 2
        case .uint8: 1
        }
    }

    /// The safetensors dtype name.
    public var safetensorsName: String {
        switch self {
        case .float32: "F32"
        case .bfloat16: "BF16"
        case .float16: "F16"
        case .uint8: "U8"
        }
    }

    /// float32 -> bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN).
    @inline(__always)
    public static func bfloat16Bits(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7FC0 }
        let bits = f.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// float32 -> IEEE half bits, rounding to nearest even.
    @inline(__always)
    public static func float16Bits(_ f: Float) -> UInt16 {
        Float16(f).bitPattern
    }
}
