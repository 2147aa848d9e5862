import Foundation

/// Runs a program found on PATH and returns its exit status and its standard output and error
/// together, read while it runs so a full pipe never blocks it. The output is also printed, as
/// the report of a test that drives an outside tool (a browser, schemathesis).
func runProgram(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [program] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    print(text)
    return (process.terminationStatus, text)
}
