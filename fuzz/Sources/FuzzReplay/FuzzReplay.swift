import FuzzEntries
import Foundation

/// Runs files through a fuzz entry without libFuzzer: `fuzz-replay media|pipeline|text FILE-OR-DIR...`.
/// Exits 0 when every input returned (a crash aborts the process, naming nothing: run one file
/// at a time to find it).
@main
struct FuzzReplay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard let target = args.first, let entry = entries[target], args.count >= 2 else {
            FileHandle.standardError.write(Data("usage: fuzz-replay media|pipeline|text FILE-OR-DIR...\n".utf8))
            exit(2)
        }
        var count = 0
        for input in args.dropFirst() {
            for file in files(input) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                entry(Array(data))
                count += 1
            }
        }
        print("\(target): \(count) inputs replayed, no crash")
    }

    static let entries: [String: @Sendable ([UInt8]) -> Void] = [
        "media": FuzzEntries.media, "pipeline": FuzzEntries.pipeline, "text": FuzzEntries.text,
    ]

    static func files(_ input: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [input] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { input + "/" + $0 }
    }
}
