import MMPrepPipeline
import MMPrepRunner
import MMPrepShards

/// The tensors and metadata `mmprep preprocess` writes for one input, named as the
/// reference processor names them.
enum TensorOutput {
    static func tensors(for result: MediaResult, pipeline: Pipeline, source: String) -> ([Tensor], [String: String]) {
        let p = result.patches
        let values = Tensor(name: result.kind == .image ? "pixel_values" : "pixel_values_videos",
                            dtype: p.dtype.safetensorsName, shape: [p.rows, p.columns], bytes: p.bytes)
        let grid = Tensor.int64(result.kind == .image ? "image_grid_thw" : "video_grid_thw", shape: [1, 3],
                                [Int64(p.grid.t), Int64(p.grid.h), Int64(p.grid.w)])
        var metadata: [String: String] = [
            "format": "pt",
            "mmprep_pipeline": pipeline.name,
            "source": source,
            "resized_height": String(result.resizedHeight),
            "resized_width": String(result.resizedWidth),
            "tokens": String(result.tokens),
        ]
        if let plan = result.plan {
            metadata["frame_indices"] = JSONText.array(plan.indices)
            metadata["padded_frame_indices"] = JSONText.array(plan.paddedIndices)
            metadata["timestamps"] = JSONText.array(plan.timestamps)
            metadata["group_timestamps"] = JSONText.array(plan.groupTimestamps)
            if let s = result.secondPerGrid(temporalPatchSize: pipeline.layout.temporalPatchSize) {
                metadata["second_per_grid_ts"] = JSONText.number(s)
            }
        } else {
            metadata["frame_indices"] = "[0]"
            metadata["timestamps"] = "[0.0]"
        }
        if !result.warnings.isEmpty { metadata["warnings"] = JSONText.array(result.warnings) }
        return ([values, grid], metadata)
    }
}
