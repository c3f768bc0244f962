namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// Engine-wide counters for the monitor, updated on the packet path with Interlocked and read without locks.
/// Per-SA byte counts live on each SA's <see cref="Database.SaCounters"/>.
/// </summary>
public sealed class DataPathStatistics
{
    private readonly long[] _drops = new long[Enum.GetValues<DropReason>().Length];
    private long _protected;
    private long _unprotected;
    private long _acquiresRaised;
    private long _packetsHeld;
    private long _heldReleased;
    private long _heldDropped;
    private long _softAssociationsMade;
    private long _activeSoftAssociations;

    /// <summary>Outbound packets secured with ESP/AH.</summary>
    public long PacketsProtected => Volatile.Read(ref _protected);

    /// <summary>Inbound packets whose ESP/AH verified and matched policy.</summary>
    public long PacketsUnprotected => Volatile.Read(ref _unprotected);

    public long AcquiresRaised => Volatile.Read(ref _acquiresRaised);

    public long PacketsHeld => Volatile.Read(ref _packetsHeld);

    /// <summary>Held packets handed back for sending (protected, or clear after a soft SA).</summary>
    public long HeldPacketsReleased => Volatile.Read(ref _heldReleased);

    /// <summary>Held packets dropped: hold timeout, failed negotiation, policy change or reset.</summary>
    public long HeldPacketsDropped => Volatile.Read(ref _heldDropped);

    /// <summary>Soft associations made since start (the peer did not answer IKE and the action allowed clear traffic).</summary>
    public long SoftAssociationsMade => Volatile.Read(ref _softAssociationsMade);

    /// <summary>Soft associations in force now (Windows 2000's monitor count): made and not yet idled out, replaced or cleared.</summary>
    public long ActiveSoftAssociations => Volatile.Read(ref _activeSoftAssociations);

    public long BadSpi => Dropped(DropReason.BadSpi);

    public long NotDecrypted => Dropped(DropReason.NotDecrypted);

    public long NotAuthenticated => Dropped(DropReason.NotAuthenticated);

    public long ReplayDrops => Dropped(DropReason.Replay);

    public long PolicyMismatch => Dropped(DropReason.PolicyMismatch);

    public long UnsecuredInboundDropped => Dropped(DropReason.UnsecuredInbound);

    /// <summary>Packets dropped for <paramref name="reason"/>.</summary>
    public long Dropped(DropReason reason) => Volatile.Read(ref _drops[(int)reason]);

    internal void CountDrop(DropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    internal void CountProtected() => Interlocked.Increment(ref _protected);

    internal void CountUnprotected() => Interlocked.Increment(ref _unprotected);

    internal void CountAcquire() => Interlocked.Increment(ref _acquiresRaised);

    internal void CountHeld() => Interlocked.Increment(ref _packetsHeld);

    internal void CountReleased() => Interlocked.Increment(ref _heldReleased);

    internal void CountHeldDropped(int count) => Interlocked.Add(ref _heldDropped, count);

    internal void CountSoftStarted()
    {
        Interlocked.Increment(ref _softAssociationsMade);
        Interlocked.Increment(ref _activeSoftAssociations);
    }

    internal void CountSoftEnded() => Interlocked.Decrement(ref _activeSoftAssociations);
}
