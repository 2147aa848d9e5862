import Testing

/// The suites that run the fleet as real processes (an API and five workers each, some with a
/// private Redis), one after another: side by side on two cores they starved the rest of the
/// test run until its timing bounds failed.
@Suite("the fleet as processes", .serialized)
enum FleetProcesses {}
