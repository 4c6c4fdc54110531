/// What the HA receiver saw, in arrival order, with arrival times in seconds
/// on the run's clock; plus what the driver did (kills, stops). Pure data:
/// `TimelineAnalysis` judges it.
public struct Timeline: Sendable, Hashable {
    /// A reconcile began or ended on a replica.
    public struct Work: Sendable, Hashable {
        public var at: Double
        public var replica: String
        public var namespace: String
        public var begin: Bool
        /// The shard epoch the replica worked under (`begin` only).
        public var epoch: Int

        public init(at: Double, replica: String, namespace: String, begin: Bool, epoch: Int = 0) {
            self.at = at
            self.replica = replica
            self.namespace = namespace
            self.begin = begin
            self.epoch = epoch
        }
    }

    /// One delivery of an effect (raw: a key may arrive more than once).
    public struct Delivery: Sendable, Hashable {
        public var at: Double
        public var key: String
        public var namespace: String
        public var index: Int
        public var replica: String

        public init(at: Double, key: String, namespace: String, index: Int, replica: String) {
            self.at = at
            self.key = key
            self.namespace = namespace
            self.index = index
            self.replica = replica
        }
    }

    public var work: [Work] = []
    public var deliveries: [Delivery] = []
    /// When each replica stopped for good (killed and reaped, or exited):
    /// it can do nothing after this.
    public var stoppedAt: [String: Double] = [:]

    public init(work: [Work] = [], deliveries: [Delivery] = [], stoppedAt: [String: Double] = [:]) {
        self.work = work
        self.deliveries = deliveries
        self.stoppedAt = stoppedAt
    }
}
