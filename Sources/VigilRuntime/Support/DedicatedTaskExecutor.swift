import Dispatch

/// A task executor with its own serial dispatch queue, for the few loops a
/// replica must run on time however busy it is: renewing the leader and
/// member leases and following the shard map.
///
/// Swift's global executor is a fixed pool of one thread per core. When a
/// replica's reconciles keep that pool busy (thousands of queued keys, each
/// parsing JSON), a lease renewal's next step waits in line behind them; in
/// the 10,000-namespace load test renewals missed the 3 s renew deadline and
/// replicas fenced themselves again and again. Code run with this executor
/// as its preference (`withTaskExecutorPreference`, `Task(executorPreference:)`,
/// `addTask(executorPreference:)`) — nonisolated async functions and default
/// actors' methods, and the child tasks it starts — runs on this queue's
/// thread instead, which the operating system schedules beside the pool
/// (client-go gets the same from the Go scheduler, which preempts).
/// Keep only light work on it: it runs one job at a time.
public final class DedicatedTaskExecutor: TaskExecutor {
    let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
