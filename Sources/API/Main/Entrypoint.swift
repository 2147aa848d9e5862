import NIOCore
import NIOPosix

@main
enum Entrypoint {
    /// Swift concurrency's tasks run on the HTTP server's event loops rather than a pool of
    /// their own: a request read on a loop is handled there and its response written from
    /// there, with no hop between two sets of threads each way (on a small machine those
    /// wake-ups cost more than the request's own work). Before anything else runs.
    static func main() async {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Api.main()
    }
}
