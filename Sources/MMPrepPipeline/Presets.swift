import MMPrepPreprocess

/// The built-in presets: each model's published preprocessor and video recipe.
/// `pipelines/*.yaml` in the repository spell out the same values (a test keeps them equal).
public enum Presets {
    public static func named(_ name: String) -> Pipeline? {
        ModelFamily(rawValue: name).map(preset)
    }

    public static var names: [String] { ModelFamily.allCases.map(\.rawValue) }

    public static func preset(_ family: ModelFamily) -> Pipeline {
        if family.isQwen3 {
            let f = 32
            return Pipeline(
                name: family.rawValue, family: family,
                image: ImageSettings(minPixels: 65536, maxPixels: 16_777_216, patchSize: 16, mergeSize: 2,
                                     temporalPatchSize: 2, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5],
                                     resample: .pillow, exifOrientation: true, maxDecodePixels: 178_956_970,
                                     gif: .image),
                video: VideoSettings(sampling: .qwen3, fps: 2, frames: nil, minFrames: 4, maxFrames: 768,
                                     start: nil, end: nil, sizing: .qwen3, minPixels: 4096, maxPixels: 25_165_824,
                                     totalPixels: 0.9 * 128_000 * Double(f * f), resample: .torchUInt8, threads: 0,
                                     maxDecodePixels: 8192 * 8192, maxDuration: 24 * 3600),
                output: OutputSettings(), text: TextSettings())
        }
        let f = 28
        return Pipeline(
            name: family.rawValue, family: family,
            image: ImageSettings(minPixels: 3136, maxPixels: 12_845_056, patchSize: 14, mergeSize: 2,
                                 temporalPatchSize: 2, mean: Normalization.openAICLIP.mean,
                                 std: Normalization.openAICLIP.std, resample: .pillow, exifOrientation: true,
                                 maxDecodePixels: 178_956_970, gif: .image),
            video: VideoSettings(sampling: .smartNFrames, fps: 2, frames: nil, minFrames: 4, maxFrames: 768,
                                 start: nil, end: nil, sizing: .qwenVLUtils, minPixels: 128 * f * f,
                                 maxPixels: 768 * f * f, totalPixels: 0.9 * 128_000 * Double(f * f),
                                 resample: .torchFloat, threads: 0, maxDecodePixels: 8192 * 8192,
                                 maxDuration: 24 * 3600),
            output: OutputSettings(), text: TextSettings())
    }
}
