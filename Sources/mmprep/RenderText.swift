import ArgumentParser
import Foundation
import MMPrepText

/// Hidden: renders the text of one sample, for the text parity tests.
///
///     mmprep render-text --family qwen3-vl --messages record.json --grids grids.json
///
/// `--messages` holds a record in any format `MessagesParser` reads; `--grids` holds
/// `{"images": [{"tokens": N}], "videos": [{"tokens_per_group": K, "timestamps": [s, ...]}]}`
/// (a Qwen2/2.5-VL video may give `"groups": G` instead of timestamps). Prints the text exactly,
/// with no newline added.
struct RenderText: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-text",
        abstract: "Render the chat-template text of one sample with its vision placeholders expanded.",
        shouldDisplay: false)

    @Option(help: "qwen2-vl, qwen2.5-vl, qwen3-vl or qwen3.5.")
    var family: String

    @Option(help: "A JSON file: messages, a ShareGPT record or a caption record.")
    var messages: String

    @Option(help: "A JSON file with the vision token counts.")
    var grids: String?

    @Flag(help: "add_generation_prompt=True.")
    var addGenerationPrompt = false

    @Flag(help: "add_vision_id=True.")
    var addVisionId = false

    @Option(help: "enable_thinking (qwen3.5): true or false; unset by default.")
    var enableThinking: Bool?

    @Flag(help: "Print the caption unchanged (needs a caption record).")
    var raw = false

    func run() throws {
        do {
            let family = try ModelFamily.named(family)
            let conversation = try MessagesParser.parse(record: try readJSON(messages))
            let vision = try grids.map { try visionTokens(try readJSON($0), file: $0) } ?? VisionTokens()
            let options = RenderOptions(addGenerationPrompt: addGenerationPrompt, addVisionID: addVisionId,
                                        enableThinking: enableThinking)
            let text = try TextRenderer.render(conversation, mode: raw ? .raw : .chat, family: family,
                                               vision: vision, options: options)
            FileHandle.standardOutput.write(Data(text.utf8))
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }

    func readJSON(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path): cannot read")
        }
        do {
            return try JSONValue.parse([UInt8](data))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }

    func visionTokens(_ json: JSONValue, file: String) throws -> VisionTokens {
        var vision = VisionTokens()
        for (i, item) in (json["images"]?.arrayValue ?? []).enumerated() {
            guard let n = item["tokens"]?.int64Value else { throw ValidationError("\(file): images[\(i)].tokens: expected an integer") }
            vision.images.append(ImageTokens(count: Int(n)))
        }
        for (i, item) in (json["videos"]?.arrayValue ?? []).enumerated() {
            guard let k = item["tokens_per_group"]?.int64Value else {
                throw ValidationError("\(file): videos[\(i)].tokens_per_group: expected an integer")
            }
            if let ts = item["timestamps"]?.arrayValue {
                let values = ts.compactMap(\.doubleValue)
                guard values.count == ts.count else { throw ValidationError("\(file): videos[\(i)].timestamps: expected numbers") }
                vision.videos.append(VideoTokens(tokensPerGroup: Int(k), timestamps: values))
            } else if let g = item["groups"]?.int64Value {
                vision.videos.append(VideoTokens(tokensPerGroup: Int(k), groups: Int(g)))
            } else {
                throw ValidationError("\(file): videos[\(i)]: expected \"timestamps\" or \"groups\"")
            }
        }
        return vision
    }
}
