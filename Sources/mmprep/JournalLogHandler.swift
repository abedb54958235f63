import Foundation
import Logging

/// One line per event on standard error, journald-friendly: a `<N>` priority prefix (sd-daemon
/// levels) then the message and key=value fields.
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func quote(_ v: String) -> String {
        v.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + v.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : v
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.keys.sorted().map { "\($0)=\(Self.quote("\(all[$0]!)"))" }.joined(separator: " ")
        let message = "\(event.message)".replacingOccurrences(of: "\n", with: " ")
        let line = "<\(Self.priority(event.level))>\(message)" + (fields.isEmpty ? "" : " " + fields) + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
