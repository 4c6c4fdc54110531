/// A realistic HotSpot thread dump, as `jcmd <pid> Thread.print` or
/// `jstack <pid>` prints it for the JVM in the target container.
struct ThreadDump: Sendable {
    var pid: Int = 1
    /// The target container; names the application's main class.
    var container: String
    var pod: String
    var now: Double
    var uptimeSeconds: Double
    var includeDeadlock = false
    /// `jcmd` prefixes its output with `<pid>:`.
    var viaJcmd = true

    /// `checkout-api` → `CheckoutApi`.
    static func className(_ container: String) -> String {
        let parts = container.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let joined = parts.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return joined.isEmpty ? "Main" : (joined.first!.isLetter ? joined : "App" + joined)
    }

    static func packageName(_ container: String) -> String {
        let p = container.lowercased().filter { $0.isLetter || $0.isNumber }
        return "com.example." + (p.isEmpty || !p.first!.isLetter ? "app" : p)
    }

    func addr(_ n: Int) -> String {
        let h = String(0x7f3a_2c00_0000 + n * 0x1_2800, radix: 16)
        return "0x0000" + h
    }

    func text() -> String {
        let cls = Self.className(container)
        let pkg = Self.packageName(container)
        let up = max(1, uptimeSeconds)
        func fmt(_ x: Double) -> String { String((x * 100).rounded() / 100) }
        var out = ""
        if viaJcmd { out += "\(pid):\n" }
        out += Timestamp.format(now).replacingT() + "\n"
        out += "Full thread dump OpenJDK 64-Bit Server VM (17.0.9+9 mixed mode, sharing):\n\n"
        out += "Threads class SMR info:\n_java_thread_list=\(addr(900)), length=11, elements={\n"
        out += (0..<11).map { addr($0 * 3) }.chunked(4).map { $0.joined(separator: ", ") }.joined(separator: ",\n") + "\n}\n\n"
        struct T {
            var name: String; var daemon: Bool; var prio: Int; var state: String; var header: String; var frames: [String]
        }
        var threads: [T] = [
            T(name: "main", daemon: false, prio: 5, state: "WAITING (parking)", header: "waiting on condition",
              frames: ["jdk.internal.misc.Unsafe.park(java.base@17.0.9/Native Method)",
                       "- parking to wait for  <0x00000000c1a2b3c8> (a java.util.concurrent.CountDownLatch$Sync)",
                       "java.util.concurrent.locks.LockSupport.park(java.base@17.0.9/LockSupport.java:211)",
                       "java.util.concurrent.CountDownLatch.await(java.base@17.0.9/CountDownLatch.java:230)",
                       "\(pkg).\(cls)Application.awaitShutdown(\(cls)Application.java:88)",
                       "\(pkg).\(cls)Application.main(\(cls)Application.java:41)"]),
            T(name: "Reference Handler", daemon: true, prio: 10, state: "RUNNABLE", header: "waiting on condition",
              frames: ["java.lang.ref.Reference.waitForReferencePendingList(java.base@17.0.9/Native Method)",
                       "java.lang.ref.Reference.processPendingReferences(java.base@17.0.9/Reference.java:253)",
                       "java.lang.ref.Reference$ReferenceHandler.run(java.base@17.0.9/Reference.java:215)"]),
            T(name: "Finalizer", daemon: true, prio: 8, state: "WAITING (on object monitor)", header: "in Object.wait()",
              frames: ["java.lang.Object.wait(java.base@17.0.9/Native Method)",
                       "- waiting on <0x00000000c0e0a6a8> (a java.lang.ref.ReferenceQueue$Lock)",
                       "java.lang.ref.ReferenceQueue.remove(java.base@17.0.9/ReferenceQueue.java:155)",
                       "- locked <0x00000000c0e0a6a8> (a java.lang.ref.ReferenceQueue$Lock)",
                       "java.lang.ref.ReferenceQueue.remove(java.base@17.0.9/ReferenceQueue.java:176)",
                       "java.lang.ref.Finalizer$FinalizerThread.run(java.base@17.0.9/Finalizer.java:172)"]),
            T(name: "Signal Dispatcher", daemon: true, prio: 9, state: "RUNNABLE", header: "runnable", frames: []),
            T(name: "Common-Cleaner", daemon: true, prio: 8, state: "TIMED_WAITING (on object monitor)", header: "in Object.wait()",
              frames: ["java.lang.Object.wait(java.base@17.0.9/Native Method)",
                       "- waiting on <0x00000000c0e1b2c0> (a java.lang.ref.ReferenceQueue$Lock)",
                       "java.lang.ref.ReferenceQueue.remove(java.base@17.0.9/ReferenceQueue.java:155)",
                       "jdk.internal.ref.CleanerImpl.run(java.base@17.0.9/CleanerImpl.java:140)",
                       "java.lang.Thread.run(java.base@17.0.9/Thread.java:840)",
                       "jdk.internal.misc.InnocuousThread.run(java.base@17.0.9/InnocuousThread.java:162)"]),
            T(name: "http-nio-8080-Acceptor", daemon: true, prio: 5, state: "RUNNABLE", header: "runnable",
              frames: ["sun.nio.ch.Net.accept(java.base@17.0.9/Native Method)",
                       "sun.nio.ch.ServerSocketChannelImpl.implAccept(java.base@17.0.9/ServerSocketChannelImpl.java:425)",
                       "sun.nio.ch.ServerSocketChannelImpl.accept(java.base@17.0.9/ServerSocketChannelImpl.java:391)",
                       "org.apache.tomcat.util.net.NioEndpoint.serverSocketAccept(NioEndpoint.java:546)",
                       "org.apache.tomcat.util.net.Acceptor.run(Acceptor.java:129)",
                       "java.lang.Thread.run(java.base@17.0.9/Thread.java:840)"]),
        ]
        for i in 1...3 {
            threads.append(T(name: "http-nio-8080-exec-\(i)", daemon: true, prio: 5, state: "WAITING (parking)", header: "waiting on condition",
              frames: ["jdk.internal.misc.Unsafe.park(java.base@17.0.9/Native Method)",
                       "- parking to wait for  <0x00000000c2f4\(i)a10> (a java.util.concurrent.locks.AbstractQueuedSynchronizer$ConditionObject)",
                       "java.util.concurrent.locks.LockSupport.park(java.base@17.0.9/LockSupport.java:341)",
                       "java.util.concurrent.LinkedBlockingQueue.take(java.base@17.0.9/LinkedBlockingQueue.java:435)",
                       "org.apache.tomcat.util.threads.TaskQueue.take(TaskQueue.java:141)",
                       "java.util.concurrent.ThreadPoolExecutor.getTask(java.base@17.0.9/ThreadPoolExecutor.java:1062)",
                       "java.util.concurrent.ThreadPoolExecutor.runWorker(java.base@17.0.9/ThreadPoolExecutor.java:1122)",
                       "java.lang.Thread.run(java.base@17.0.9/Thread.java:840)"]))
        }
        if includeDeadlock {
            threads.append(T(name: "\(container)-worker-1", daemon: false, prio: 5, state: "BLOCKED (on object monitor)", header: "waiting for monitor entry",
              frames: ["\(pkg).OrderService.transfer(OrderService.java:57)",
                       "- waiting to lock <0x00000000c3a00010> (a \(pkg).Account)",
                       "- locked <0x00000000c3a00020> (a \(pkg).Account)",
                       "\(pkg).OrderWorker.run(OrderWorker.java:23)"]))
            threads.append(T(name: "\(container)-worker-2", daemon: false, prio: 5, state: "BLOCKED (on object monitor)", header: "waiting for monitor entry",
              frames: ["\(pkg).OrderService.transfer(OrderService.java:57)",
                       "- waiting to lock <0x00000000c3a00020> (a \(pkg).Account)",
                       "- locked <0x00000000c3a00010> (a \(pkg).Account)",
                       "\(pkg).OrderWorker.run(OrderWorker.java:23)"]))
        }
        for (n, t) in threads.enumerated() {
            let cpu = fmt(Double((n * 37 + 11) % 900) + 0.37)
            let el = fmt(up - Double(n) * 0.01)
            out += "\"\(t.name)\" #\(n + 1) \(t.daemon ? "daemon " : "")prio=\(t.prio) os_prio=0 cpu=\(cpu)ms elapsed=\(el)s tid=\(addr(n * 3)) nid=0x\(String(7 + n, radix: 16)) \(t.header)  [\(addr(500 + n))]\n"
            out += "   java.lang.Thread.State: \(t.state)\n"
            for f in t.frames { out += f.hasPrefix("-") ? "\t\(f)\n" : "\tat \(f)\n" }
            out += "\n"
        }
        for (i, name) in ["VM Thread", "GC Thread#0", "G1 Main Marker", "G1 Conc#0", "G1 Refine#0", "VM Periodic Task Thread"].enumerated() {
            out += "\"\(name)\" os_prio=0 cpu=\(fmt(Double(i * 13) + 4.2))ms elapsed=\(fmt(up))s tid=\(addr(700 + i)) nid=0x\(String(40 + i, radix: 16)) \(name == "VM Periodic Task Thread" ? "waiting on condition " : "runnable")  \n\n"
        }
        out += "JNI global refs: 24, weak refs: 0\n\n"
        if includeDeadlock {
            out += """
            Found one Java-level deadlock:
            =============================
            "\(container)-worker-1":
              waiting to lock monitor \(addr(801)) (object 0x00000000c3a00010, a \(pkg).Account),
              which is held by "\(container)-worker-2"

            "\(container)-worker-2":
              waiting to lock monitor \(addr(802)) (object 0x00000000c3a00020, a \(pkg).Account),
              which is held by "\(container)-worker-1"

            Found 1 deadlock.


            """
        }
        return out
    }
}

extension String {
    /// `2025-01-02T03:04:05Z` → `2025-01-02 03:04:05` (the dump's date line).
    func replacingT() -> String {
        String(map { $0 == "T" ? " " : $0 }.filter { $0 != "Z" })
    }
}

extension Array {
    func chunked(_ n: Int) -> [[Element]] {
        stride(from: 0, to: count, by: n).map { Array(self[$0..<Swift.min($0 + n, count)]) }
    }
}
