import Foundation
import MMPrepPipeline
import MMPrepShards

/// One image or video a conversation names, in order.
struct ConversationMedia: Sendable {
    var written: String
    var path: String
    var kind: MediaKind
    var options: MediaOptions
}

/// What the text of a sample needs: each vision item's token count (and Qwen3 video stamps).
enum VisionPlaceholder: Sendable {
    case image(tokens: Int)
    case video(tokensPerGroup: Int, groupTimestamps: [Double])
}

/// The messages of a sample and the media they name. (Temporary: captions only, until the
/// text module lands.)
struct Conversation: Sendable {
    var media: [ConversationMedia]
    var caption: String
    var messagesJSON: String

    static func caption(_ text: String, media: String, kind: MediaKind) -> Conversation {
        Conversation(media: [ConversationMedia(written: media, path: media, kind: kind, options: .none)],
                     caption: text, messagesJSON: "[]")
    }

    static func sidecar(json: String, media: String, kind: MediaKind) throws -> Conversation {
        throw ConvertError("messages sidecars are not supported yet")
    }

    static func manifest(json: String) throws -> Conversation {
        throw ConvertError("manifests are not supported yet")
    }

    func render(family: ModelFamily, settings: TextSettings, placeholders: [VisionPlaceholder]) throws -> String {
        caption
    }
}
