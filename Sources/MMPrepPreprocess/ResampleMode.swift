import MMPrepCore

/// Which reference's resize (and normalisation arithmetic) to reproduce.
public enum ResampleMode: String, Sendable, CaseIterable {
    /// Pillow 13's bicubic (transformers' Pil image processor with `pip install pillow` today).
    case pillow
    /// Pillow 12.3 and earlier.
    case pillow12
    /// transformers' torchvision image backend: torch's uint8 antialiased bicubic, fused normalisation.
    case torchvision
    /// qwen-vl-utils `fetch_video`: torch's float32 antialiased bicubic, rounded and clamped to 8 bits.
    case torchFloat = "torch-float"
    /// `Qwen3VLVideoProcessor`: torch's uint8 antialiased bicubic, fused normalisation.
    case torchUInt8 = "torch-uint8"

    /// The modes `image.resample` accepts.
    public static let imageModes: [ResampleMode] = [.pillow, .pillow12, .torchvision]
    /// The modes `video.resample` accepts.
    public static let videoModes: [ResampleMode] = [.pillow, .pillow12, .torchFloat, .torchUInt8]

    public func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        switch self {
        case .pillow: PillowBicubic.resize(image, width: width, height: height, order: .pillow13)
        case .pillow12: PillowBicubic.resize(image, width: width, height: height, order: .pillow12)
        case .torchvision, .torchUInt8:
            width == image.width && height == image.height ? image
                : TorchBicubic.resizeUInt8(image, width: width, height: height)
        case .torchFloat:
            width == image.width && height == image.height ? image
                : TorchBicubic.resizeFloat(image, width: width, height: height)
        }
    }

    /// How the reference that goes with this resize normalises: the NumPy path for Pillow,
    /// torch's fused `(x - 255*mean) / (255*std)` for the torch paths.
    public var arithmetic: Normalization.Arithmetic {
        switch self {
        case .pillow, .pillow12: .rescaleThenNormalize
        case .torchvision, .torchFloat, .torchUInt8: .fused
        }
    }
}
