using System.Buffers.Binary;
using System.Security.Cryptography;
using Rampart.Core.SecurityAssociations;

namespace Rampart.DataPath.Database;

/// <summary>
/// The SA database (SAD): inbound SAs by SPI, outbound SAs by an <see cref="Binding"/> (allocation-free to build per packet).
/// Readers on the packet path never lock: updates (rare) copy the tables and publish them atomically.
/// <see cref="Expire"/> reports soft/hard lifetime, idle and sequence-exhaustion events and removes hard-expired SAs.
/// An SA that leaves the database (removed, replaced by a rekey, hard-expired) is disposed: its keys are zeroed.
/// </summary>
public sealed class SecurityAssociationDatabase : IDisposable
{
    private readonly Lock _writeLock = new();
    private readonly TimeProvider _time;
    private Dictionary<uint, SecurityAssociation> _inbound = [];
    private Dictionary<Binding, SecurityAssociation> _outbound = [];
    private long _badSpiPackets;
    private long _malformedPackets;

    public SecurityAssociationDatabase(TimeProvider time, TimeSpan? idleTimeout = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        IdleTimeout = idleTimeout ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>An SA unused this long is reported <see cref="SaLifetimeEventKind.Idle"/> (the quick mode 5-minute rule).</summary>
    public TimeSpan IdleTimeout { get; }

    public TimeProvider Time => _time;

    /// <summary>Packets for an SPI we do not have ("bad SPI packets").</summary>
    public long BadSpiPackets => Volatile.Read(ref _badSpiPackets);

    /// <summary>Packets too short or inconsistent to reach an SA.</summary>
    public long MalformedPackets => Volatile.Read(ref _malformedPackets);

    public int Count => _inbound.Count + _outbound.Count;

    /// <summary>Raised on the packet path the first time an outbound SA runs out of sequence numbers.</summary>
    public event Action<SecurityAssociation>? SequenceExhausted;

    /// <summary>
    /// A random SPI (256 or more, RFC 4303 §2.1) not used by any inbound SA now, for IKE to offer. Two concurrent
    /// callers may draw the same value; <see cref="TryAddInbound"/> then refuses the second.
    /// </summary>
    public uint NewInboundSpi()
    {
        Span<byte> bytes = stackalloc byte[4];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var spi = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            if (spi >= 256 && !_inbound.ContainsKey(spi))
            {
                return spi;
            }
        }
    }

    /// <summary>Installs an inbound SA; false if its SPI is taken.</summary>
    public bool TryAddInbound(SecurityAssociationSpec spec, out SecurityAssociation sa)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Direction != SaDirection.Inbound)
        {
            throw new ArgumentException("not an inbound SA", nameof(spec));
        }

        sa = new SecurityAssociation(spec, _time.GetTimestamp(), _time.TimestampFrequency);
        lock (_writeLock)
        {
            if (_inbound.ContainsKey(spec.Spi))
            {
                sa.Dispose();
                return false;
            }

            _inbound = new Dictionary<uint, SecurityAssociation>(_inbound) { [spec.Spi] = sa };
        }

        return true;
    }

    /// <summary>
    /// Installs (or replaces, on rekey) the outbound SA for <paramref name="key"/>; returns the one replaced, if any,
    /// already disposed (its spec and counters stay readable).
    /// </summary>
    public SecurityAssociation AddOutbound(Binding key, SecurityAssociationSpec spec, out SecurityAssociation? replaced)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Direction != SaDirection.Outbound)
        {
            throw new ArgumentException("not an outbound SA", nameof(spec));
        }

        var sa = new SecurityAssociation(spec, _time.GetTimestamp(), _time.TimestampFrequency);
        lock (_writeLock)
        {
            _outbound.TryGetValue(key, out replaced);
            _outbound = new Dictionary<Binding, SecurityAssociation>(_outbound) { [key] = sa };
        }

        replaced?.Dispose();
        return sa;
    }

    public bool TryGetInbound(uint spi, out SecurityAssociation sa) => _inbound.TryGetValue(spi, out sa!);

    public bool TryGetOutbound(Binding key, out SecurityAssociation sa) => _outbound.TryGetValue(key, out sa!);

    /// <summary>Removes and disposes (zeroes the keys of) the inbound SA with <paramref name="spi"/>.</summary>
    public bool RemoveInbound(uint spi)
    {
        SecurityAssociation? removed;
        lock (_writeLock)
        {
            if (!_inbound.TryGetValue(spi, out removed))
            {
                return false;
            }

            var copy = new Dictionary<uint, SecurityAssociation>(_inbound);
            copy.Remove(spi);
            _inbound = copy;
        }

        removed.Dispose();
        return true;
    }

    /// <summary>Removes and disposes (zeroes the keys of) the outbound SA of <paramref name="key"/>.</summary>
    public bool RemoveOutbound(Binding key)
    {
        SecurityAssociation? removed;
        lock (_writeLock)
        {
            if (!_outbound.TryGetValue(key, out removed))
            {
                return false;
            }

            var copy = new Dictionary<Binding, SecurityAssociation>(_outbound);
            copy.Remove(key);
            _outbound = copy;
        }

        removed.Dispose();
        return true;
    }

    /// <summary>A consistent snapshot of every SA (monitor, CLI).</summary>
    public IReadOnlyList<SecurityAssociation> Snapshot() => [.. _inbound.Values, .. _outbound.Values];

    /// <summary>The outbound SAs with their keys (monitor).</summary>
    public IReadOnlyList<KeyValuePair<Binding, SecurityAssociation>> OutboundSnapshot() => [.. _outbound];

    /// <summary>
    /// Reports lifetime events at the time provider's current time: each soft expiry and idle period once,
    /// each hard expiry once (the SA is removed), sequence exhaustion once. The agent calls this about once a second.
    /// </summary>
    public IReadOnlyList<SaLifetimeEvent> Expire()
    {
        var now = _time.GetTimestamp();
        var events = new List<SaLifetimeEvent>();
        foreach (var (key, sa) in _outbound)
        {
            if (Check(sa, now, events))
            {
                RemoveOutbound(key);
            }
        }

        foreach (var (spi, sa) in _inbound)
        {
            if (Check(sa, now, events))
            {
                RemoveInbound(spi);
            }
        }

        return events;
    }

    public void Dispose()
    {
        foreach (var sa in Snapshot())
        {
            sa.Dispose();
        }
    }

    internal void CountBadSpi() => Interlocked.Increment(ref _badSpiPackets);

    internal void CountMalformed() => Interlocked.Increment(ref _malformedPackets);

    internal void RaiseSequenceExhausted(SecurityAssociation sa)
    {
        if (sa.MarkSequenceExhausted())
        {
            SequenceExhausted?.Invoke(sa);
        }
    }

    /// <summary>Adds the SA's due events; true when it is hard-expired and must be removed.</summary>
    private bool Check(SecurityAssociation sa, long now, List<SaLifetimeEvent> events)
    {
        var lifetime = sa.Spec.Lifetime;
        var age = _time.GetElapsedTime(sa.InstalledTimestamp, now);
        if (lifetime.HardSeconds > 0 && age >= TimeSpan.FromSeconds(lifetime.HardSeconds))
        {
            sa.MarkHardExpired();
        }

        if (sa.IsHardExpired)
        {
            events.Add(new SaLifetimeEvent(sa, SaLifetimeEventKind.HardExpired));
            return true;
        }

        if (lifetime.SoftSeconds > 0 && age >= TimeSpan.FromSeconds(lifetime.SoftSeconds))
        {
            sa.MarkSoftReached();
        }

        if (sa.SoftReached && sa.TakeSoftReport())
        {
            events.Add(new SaLifetimeEvent(sa, SaLifetimeEventKind.SoftExpired));
        }

        if (sa.SequenceExhausted && sa.TakeExhaustedReport())
        {
            events.Add(new SaLifetimeEvent(sa, SaLifetimeEventKind.SequenceExhausted));
        }

        if (_time.GetElapsedTime(sa.LastUsedTimestamp, now) >= IdleTimeout)
        {
            if (sa.TakeIdleReport())
            {
                events.Add(new SaLifetimeEvent(sa, SaLifetimeEventKind.Idle));
            }
        }
        else
        {
            sa.ClearIdleReport();
        }

        return false;
    }
}
