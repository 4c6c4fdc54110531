import Testing
import VigilAPI

/// The slots of a schedule: `every` counts from the anchor (the resource's
/// creation), so every replica finds the same slots; the catch-up rule
/// folds the slots missed into one run for the latest.
@Suite struct HealthCheckScheduleTests {
    let anchor = 1_800_000_000.0

    @Test func everyCountsFromTheAnchor() {
        let s = HealthCheckSchedule(.every(.seconds(30)))
        #expect(s.slot(after: anchor - 5, anchor: anchor) == anchor)
        #expect(s.slot(after: anchor, anchor: anchor) == anchor + 30)
        #expect(s.slot(after: anchor + 29.9, anchor: anchor) == anchor + 30)
        #expect(s.slot(after: anchor + 30, anchor: anchor) == anchor + 60)
        #expect(s.slot(after: anchor + 1000, anchor: anchor) == anchor + 1020)
    }

    @Test func theLatestSlotFoldsTheMissedOnes() {
        let s = HealthCheckSchedule(.every(.seconds(10)))
        let (slot, slots) = s.latestSlot(from: anchor + 10, now: anchor + 75, anchor: anchor)
        #expect(slot == anchor + 70)
        #expect(slots == 7)  // 10, 20, …, 70
        #expect(s.latestSlot(from: anchor + 10, now: anchor + 12, anchor: anchor) == (anchor + 10, 1))
    }

    @Test func cronSlotsFollowTheCronSchedule() throws {
        let s = HealthCheckSchedule(.cron(try CronSchedule("*/5 * * * *")))
        // 1_800_000_000 is 2027-01-15T08:00:00Z.
        #expect(s.slot(after: anchor, anchor: anchor) == anchor + 300)
        let (slot, slots) = s.latestSlot(from: anchor + 300, now: anchor + 1000, anchor: anchor)
        #expect(slot == anchor + 900)
        #expect(slots == 3)
        #expect(s.summary == "*/5 * * * * (UTC)")
    }
}
