namespace Rampart.DataPath.Database;

/// <summary>
/// Per-SA statistics for the monitor, updated on the packet path with Interlocked and read without locks.
/// Byte counts are the protected payload (inner packet or transport payload), as the IPsec monitor shows them.
/// </summary>
public sealed class SaCounters
{
    private long _packetsIn;
    private long _packetsOut;
    private long _bytesIn;
    private long _bytesOut;
    private long _confidentialBytesIn;
    private long _confidentialBytesOut;
    private long _authenticatedBytesIn;
    private long _authenticatedBytesOut;
    private long _notDecrypted;
    private long _notAuthenticated;
    private long _replayDrops;

    public long PacketsIn => Volatile.Read(ref _packetsIn);
    public long PacketsOut => Volatile.Read(ref _packetsOut);
    public long BytesIn => Volatile.Read(ref _bytesIn);
    public long BytesOut => Volatile.Read(ref _bytesOut);
    public long ConfidentialBytesIn => Volatile.Read(ref _confidentialBytesIn);
    public long ConfidentialBytesOut => Volatile.Read(ref _confidentialBytesOut);
    public long AuthenticatedBytesIn => Volatile.Read(ref _authenticatedBytesIn);
    public long AuthenticatedBytesOut => Volatile.Read(ref _authenticatedBytesOut);
    public long NotDecrypted => Volatile.Read(ref _notDecrypted);
    public long NotAuthenticated => Volatile.Read(ref _notAuthenticated);
    public long ReplayDrops => Volatile.Read(ref _replayDrops);

    internal void CountIn(int bytes, bool confidential, bool authenticated)
    {
        Interlocked.Increment(ref _packetsIn);
        Interlocked.Add(ref _bytesIn, bytes);
        if (confidential)
        {
            Interlocked.Add(ref _confidentialBytesIn, bytes);
        }

        if (authenticated)
        {
            Interlocked.Add(ref _authenticatedBytesIn, bytes);
        }
    }

    internal void CountOut(int bytes, bool confidential, bool authenticated)
    {
        Interlocked.Increment(ref _packetsOut);
        Interlocked.Add(ref _bytesOut, bytes);
        if (confidential)
        {
            Interlocked.Add(ref _confidentialBytesOut, bytes);
        }

        if (authenticated)
        {
            Interlocked.Add(ref _authenticatedBytesOut, bytes);
        }
    }

    internal void CountDrop(PacketStatus status)
    {
        switch (status)
        {
            case PacketStatus.AuthenticationFailed:
                Interlocked.Increment(ref _notAuthenticated);
                break;
            case PacketStatus.DecryptFailed:
                Interlocked.Increment(ref _notDecrypted);
                break;
            case PacketStatus.Replay:
                Interlocked.Increment(ref _replayDrops);
                break;
        }
    }
}
