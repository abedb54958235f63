import FuzzEntries
#if canImport(Glibc)
import Glibc
#endif

/// libFuzzer's driver, run from an ordinary Swift entry point (SwiftPM names the executable's
/// entry point itself, so libFuzzer's own `main` is not used).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<Int32>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// One input through FuzzEntries.pipeline.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzEntries.pipeline(bytes)
    return 0
}

@main
struct FuzzPipeline {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let rc = runFuzzerDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) }
        exit(rc)
    }
}
