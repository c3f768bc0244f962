using System.Net.Sockets;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Replay;
using Rampart.DataPath.Transforms;

namespace Rampart.DataPath.Database;

/// <summary>
/// A live SA: its specification, keyed crypto objects, sequence state, counters and lifetime state.
/// Crypto objects are not thread-safe, so packet processing for one SA holds <see cref="Gate"/>; different SAs
/// run in parallel. (Per-worker transform copies would lift that limit for a single very busy SA.)
/// The SA owns its keys: <see cref="Dispose"/> (the database calls it when the SA is removed, replaced or expires)
/// disposes the crypto objects and zeroes the key bytes of <see cref="Spec"/>; its spec and counters stay readable.
/// </summary>
public sealed class SecurityAssociation : IDisposable
{
    private readonly long _installedTimestamp;
    private readonly long _hardDeadline;
    private long _lastUsedTimestamp;
    private ulong _lastSentSequence;
    private int _hardExpired;
    private int _softReached;
    private int _softReported;
    private int _idleReported;
    private int _sequenceExhausted;
    private int _exhaustedReported;
    private bool _retired;

    public SecurityAssociation(SecurityAssociationSpec spec, long installedTimestamp, long timestampFrequency)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.IsValid(out var error))
        {
            throw new ArgumentException(error, nameof(spec));
        }

        Spec = spec;
        _installedTimestamp = installedTimestamp;
        _lastUsedTimestamp = installedTimestamp;
        _hardDeadline = spec.Lifetime.HardSeconds > 0 ? installedTimestamp + (spec.Lifetime.HardSeconds * timestampFrequency) : long.MaxValue;
        if (spec.Protocol == SaProtocol.Esp)
        {
            EspTransform = EspTransformFactory.Create(spec);
        }
        else
        {
            Ah = new AhHmac(spec.Integrity, spec.IntegrityKey.Span);
        }

        Replay = spec.Direction == SaDirection.Inbound ? new ReplayWindow(spec.ReplayWindow, spec.ExtendedSequenceNumbers) : null;
        WireLocal = spec.WireLocal.GetAddressBytes();
        WireRemote = spec.WireRemote.GetAddressBytes();
        WireIsIpv6 = spec.WireLocal.AddressFamily == AddressFamily.InterNetworkV6;
        IsConfidential = spec.Protocol == SaProtocol.Esp && spec.Cipher != CipherAlgorithm.Null;
        IsAuthenticated = spec.Integrity != IntegrityAlgorithm.None || AlgorithmCatalog.IsAead(spec.Cipher);
    }

    public SecurityAssociationSpec Spec { get; }

    public SaCounters Counters { get; } = new();

    /// <summary>Serialises crypto, sequence and replay state for this SA.</summary>
    internal Lock Gate { get; } = new();

    internal IEspTransform? EspTransform { get; }

    internal AhHmac? Ah { get; }

    internal ReplayWindow? Replay { get; }

    internal byte[] WireLocal { get; }

    internal byte[] WireRemote { get; }

    internal bool WireIsIpv6 { get; }

    internal bool IsConfidential { get; }

    internal bool IsAuthenticated { get; }

    public long InstalledTimestamp => _installedTimestamp;

    /// <summary>TimeProvider timestamp of the last packet processed (for the idle rule).</summary>
    public long LastUsedTimestamp => Volatile.Read(ref _lastUsedTimestamp);

    /// <summary>The last sequence number sent (outbound SAs).</summary>
    public ulong LastSentSequence => _lastSentSequence;

    public bool IsHardExpired => Volatile.Read(ref _hardExpired) != 0;

    /// <summary>Disposed: its keys are gone. Read under <see cref="Gate"/>, so no packet uses a disposed transform.</summary>
    internal bool IsRetired => _retired;

    public override string ToString() => $"SA {Spec.Spi} {Spec.Direction} {Spec.Protocol}";

    /// <summary>Reserves the next outbound sequence number; false when it would wrap (RFC 4303 §3.3.3). Call under <see cref="Gate"/>.</summary>
    internal bool TryNextSequence(out ulong sequence)
    {
        var limit = Spec.ExtendedSequenceNumbers ? ulong.MaxValue : uint.MaxValue;
        if (_lastSentSequence >= limit)
        {
            sequence = 0;
            return false;
        }

        sequence = ++_lastSentSequence;
        return true;
    }

    /// <summary>Test hook and rekey aid: continue numbering after <paramref name="sequence"/>.</summary>
    internal void SetLastSentSequence(ulong sequence) => _lastSentSequence = sequence;

    /// <summary>True the first time the sequence space runs out, so the event is raised once.</summary>
    internal bool MarkSequenceExhausted() => Interlocked.Exchange(ref _sequenceExhausted, 1) == 0;

    internal bool SequenceExhausted => Volatile.Read(ref _sequenceExhausted) != 0;

    internal void Touch(long timestamp) => Volatile.Write(ref _lastUsedTimestamp, timestamp);

    /// <summary>Checks the byte lifetimes before a packet of <paramref name="bytes"/> is counted; false when the hard limit forbids it.</summary>
    internal bool AdmitBytes(long alreadyCounted, int bytes)
    {
        var lifetime = Spec.Lifetime;
        var total = alreadyCounted + bytes;
        if (lifetime.HardBytes > 0 && total > lifetime.HardBytes)
        {
            MarkHardExpired();
            return false;
        }

        if (lifetime.SoftBytes > 0 && total >= lifetime.SoftBytes)
        {
            Volatile.Write(ref _softReached, 1);
        }

        return true;
    }

    /// <summary>Enforces the hard seconds lifetime on the packet path, between the agent's <c>Expire</c> calls.</summary>
    internal bool IsExpiredAt(long timestamp)
    {
        if (timestamp >= _hardDeadline)
        {
            MarkHardExpired();
        }

        return IsHardExpired;
    }

    internal void MarkHardExpired() => Volatile.Write(ref _hardExpired, 1);

    internal void MarkSoftReached() => Volatile.Write(ref _softReached, 1);

    internal bool SoftReached => Volatile.Read(ref _softReached) != 0;

    internal bool TakeSoftReport() => Interlocked.Exchange(ref _softReported, 1) == 0;

    internal bool TakeExhaustedReport() => Interlocked.Exchange(ref _exhaustedReported, 1) == 0;

    internal bool TakeIdleReport() => Interlocked.Exchange(ref _idleReported, 1) == 0;

    internal void ClearIdleReport() => Volatile.Write(ref _idleReported, 0);

    /// <summary>Ends the SA: waits for a packet in progress, then disposes the crypto objects and zeroes its key bytes.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_retired)
            {
                return;
            }

            _retired = true;
            MarkHardExpired();
            EspTransform?.Dispose();
            Ah?.Dispose();
            Spec.ZeroKeys();
        }
    }
}
