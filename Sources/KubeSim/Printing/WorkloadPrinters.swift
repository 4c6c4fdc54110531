/// The printers of `apps` and `batch` workloads.
enum WorkloadPrinters {
    typealias P = TablePrinter
    typealias D = PrinterDescriptions

    static let containerColumns = [
        P.col("Containers", "string", D.containers, priority: 1), P.col("Images", "string", D.images, priority: 1),
    ]

    /// `spec.replicas`, which defaulting sets to 1 when a client leaves it out.
    static func desired(_ o: JSON) -> Int64 { o.pIntOpt("spec", "replicas") ?? 1 }

    static let deployments = P.Printer(
        columns: [
            P.nameColumn, P.col("Ready", "string", D.readyPods), P.col("Up-to-date", "string", D.deploymentUpdated),
            P.col("Available", "string", D.deploymentAvailable), P.ageColumn,
        ] + containerColumns + [P.col("Selector", "string", D.deploymentSelector, priority: 1)],
        row: { o, now in
            TableRow(cells: [
                P.name(o), .string("\(o.pInt("status", "readyReplicas"))/\(desired(o))"),
                .int(o.pInt("status", "updatedReplicas")), .int(o.pInt("status", "availableReplicas")), P.age(o, now),
            ] + P.containerCells(o.pAt("spec", "template", "spec"))
                + [.string(LabelText.selectorString(o.pAt("spec", "selector")) ?? "<invalid>")])
        }
    )

    static let replicaSets = P.Printer(
        columns: [
            P.nameColumn, P.col("Desired", "integer", D.replicaSetDesired),
            P.col("Current", "integer", D.replicaSetCurrent), P.col("Ready", "integer", D.replicaSetReady),
            P.ageColumn,
        ] + containerColumns + [P.col("Selector", "string", D.replicaSetSelector, priority: 1)],
        row: { o, now in
            TableRow(cells: [
                P.name(o), .int(desired(o)), .int(o.pInt("status", "replicas")), .int(o.pInt("status", "readyReplicas")),
                P.age(o, now),
            ] + P.containerCells(o.pAt("spec", "template", "spec"))
                + [.string(LabelText.formatLabelSelector(o.pAt("spec", "selector")))])
        }
    )

    static let statefulSets = P.Printer(
        columns: [P.nameColumn, P.col("Ready", "string", D.readyPods), P.ageColumn] + containerColumns,
        row: { o, now in
            TableRow(cells: [P.name(o), .string("\(o.pInt("status", "readyReplicas"))/\(desired(o))"), P.age(o, now)]
                + P.containerCells(o.pAt("spec", "template", "spec")))
        }
    )

    static let daemonSets = P.Printer(
        columns: [
            P.nameColumn, P.col("Desired", "integer", D.daemonSetDesired),
            P.col("Current", "integer", D.daemonSetCurrent), P.col("Ready", "integer", D.daemonSetReady),
            P.col("Up-to-date", "integer", D.daemonSetUpdated), P.col("Available", "integer", D.daemonSetAvailable),
            P.col("Node Selector", "string", D.nodeSelector), P.ageColumn,
        ] + containerColumns + [P.col("Selector", "string", D.daemonSetSelector, priority: 1)],
        row: { o, now in
            TableRow(cells: [
                P.name(o), .int(o.pInt("status", "desiredNumberScheduled")),
                .int(o.pInt("status", "currentNumberScheduled")), .int(o.pInt("status", "numberReady")),
                .int(o.pInt("status", "updatedNumberScheduled")), .int(o.pInt("status", "numberAvailable")),
                .string(LabelText.formatLabels(o.pObject("spec", "template", "spec", "nodeSelector"))), P.age(o, now),
            ] + P.containerCells(o.pAt("spec", "template", "spec"))
                + [.string(LabelText.formatLabelSelector(o.pAt("spec", "selector")))])
        }
    )

    // MARK: Jobs

    static let jobs = P.Printer(
        columns: [
            P.nameColumn, P.col("Status", "string", D.jobStatus), P.col("Completions", "string", D.jobSucceeded),
            P.col("Duration", "string", D.jobDuration), P.ageColumn,
        ] + containerColumns + [P.col("Selector", "string", D.jobSelector, priority: 1)],
        row: { o, now in jobRow(o, now) }
    )

    /// `hasJobCondition`: the first condition of that type decides.
    static func hasCondition(_ o: JSON, _ type: String) -> Bool {
        o.pArray("status", "conditions").first { $0.pString("type") == type }?.pString("status") == "True"
    }

    static func jobRow(_ o: JSON, _ now: Double) -> TableRow {
        let succeeded = o.pInt("status", "succeeded")
        let completions: String
        if let c = o.pIntOpt("spec", "completions") {
            completions = "\(succeeded)/\(c)"
        } else if let par = o.pIntOpt("spec", "parallelism"), par > 1 {
            completions = "\(succeeded)/1 of \(par)"
        } else {
            completions = "\(succeeded)/1"
        }
        var duration = ""
        if let start = o.pAt("status", "startTime")?.stringValue.flatMap(Timestamp.parse) {
            if let end = o.pAt("status", "completionTime")?.stringValue.flatMap(Timestamp.parse) {
                duration = HumanDuration.format(seconds: end - start)
            } else {
                duration = HumanDuration.format(seconds: now - start)
            }
        }
        let status: String
        if hasCondition(o, "Complete") {
            status = "Complete"
        } else if hasCondition(o, "Failed") {
            status = "Failed"
        } else if o.pHas("metadata", "deletionTimestamp") {
            status = "Terminating"
        } else if hasCondition(o, "Suspended") {
            status = "Suspended"
        } else if hasCondition(o, "FailureTarget") {
            status = "FailureTarget"
        } else if hasCondition(o, "SuccessCriteriaMet") {
            status = "SuccessCriteriaMet"
        } else {
            status = "Running"
        }
        return TableRow(cells: [P.name(o), .string(status), .string(completions), .string(duration), P.age(o, now)]
            + P.containerCells(o.pAt("spec", "template", "spec"))
            + [.string(LabelText.formatLabelSelector(o.pAt("spec", "selector")))])
    }

    static let cronJobs = P.Printer(
        columns: [
            P.nameColumn, P.col("Schedule", "string", D.cronJobSchedule), P.col("Timezone", "string", D.cronJobTimeZone),
            P.col("Suspend", "boolean", D.cronJobSuspend), P.col("Active", "integer", D.cronJobActive),
            P.col("Last Schedule", "string", D.cronJobLastSchedule), P.ageColumn,
        ] + containerColumns + [P.col("Selector", "string", D.jobSelector, priority: 1)],
        row: { o, now in
            var last = "<none>"
            if let t = o.pAt("status", "lastScheduleTime")?.stringValue { last = HumanDuration.since(t, now: now) }
            let tz = o.pAt("spec", "timeZone")?.stringValue ?? "<none>"
            let suspend = o.pAt("spec", "suspend")?.boolValue.map { $0 ? "True" : "False" } ?? "<unset>"
            let jobSpec = o.pAt("spec", "jobTemplate", "spec")
            return TableRow(cells: [
                P.name(o), .string(o.pString("spec", "schedule")), .string(tz), .string(suspend),
                .int(Int64(o.pArray("status", "active").count)), .string(last), P.age(o, now),
            ] + P.containerCells(jobSpec?.pAt("template", "spec"))
                + [.string(LabelText.formatLabelSelector(jobSpec?.pAt("selector")))])
        }
    )
}
