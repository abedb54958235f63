import Foundation
import MMPrepText

/// The media files a JSONL manifest names, read without decoding anything: the watch service
/// uses it to hold those files back for the manifest instead of claiming them on their own.
public enum ManifestReferences {
    /// Paths as written in the records (relative to the manifest's folder, unless absolute),
    /// in order of first mention. Lines that do not parse are left out: they fail later, when
    /// the manifest is processed, with the parser's message.
    public static func mediaPaths(inManifest bytes: [UInt8], maxLineBytes: Int = 1 << 20) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.count <= maxLineBytes {
            guard let text = String(validating: Array(line), as: UTF8.self),
                  let value = try? JSONValue.parse(text),
                  let conversation = try? MessagesParser.parse(record: value) else { continue }
            for part in conversation.mediaParts {
                let path: String
                switch part {
                case .image(let ref), .video(let ref): path = ref.path
                case .text: continue
                }
                if seen.insert(path).inserted { out.append(path) }
            }
        }
        return out
    }
}
