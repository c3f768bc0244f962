using System.Buffers.Binary;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Ike;
using Rampart.Core.Auditing;
using Rampart.Core.Policy;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Packets;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Server (Request Security) talking to a host that never answers IKE, through the real data path and IKE controller on a
/// fake clock: the soft association lasts while traffic flows, idles out after five quiet minutes, and the next packet
/// negotiates (and falls back, audited) again.
/// </summary>
public sealed class SoftAssociationIdleTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly SecurityAssociationDatabase _database;
    private readonly DataPathEngine _dataPath;
    private readonly IkeController _controller;
    private readonly List<IkeAuditRecord> _audits = [];

    public SoftAssociationIdleTests()
    {
        _database = new SecurityAssociationDatabase(_time);
        _dataPath = new DataPathEngine(_database);
        // The peer is silent: every IKE datagram is lost.
        _controller = new IkeController(_dataPath, _time, new IkeControllerOptions(), _ => { }, _audits.Add, NullLogger.Instance);
        _controller.ApplyPolicy(TestPolicies.BuiltIn(BuiltInPolicies.Server, TestPolicies.HostA, psk: "ABC123"));
    }

    [Fact]
    public void SoftAssociation_IdlesOutAfterFiveQuietMinutes_AndTheNextPacketFallsBackAgain()
    {
        Assert.Equal(PacketAction.Held, Send().Action);
        HandleAcquires();
        RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(BindingStatus.Soft, Assert.Single(_dataPath.Bindings()).Status);
        Assert.Single(_audits, r => r.EventId == AuditEventId.SoftAssociation);

        // Traffic keeps it: a packet every minute for ten minutes, each sent in clear.
        for (var minute = 0; minute < 10; minute++)
        {
            RunFor(TimeSpan.FromMinutes(1));
            Assert.Equal(PacketVerdict.Accept, Send());
        }

        Assert.Equal(BindingStatus.Soft, Assert.Single(_dataPath.Bindings()).Status);
        Assert.Equal(0, _controller.Statistics().PendingKeyOperations);

        // Five quiet minutes end it: no row, no active count.
        RunFor(_database.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.Single(_dataPath.Bindings());
        RunFor(TimeSpan.FromSeconds(1));
        Assert.Empty(_dataPath.Bindings());
        Assert.Equal(0, _dataPath.Statistics.ActiveSoftAssociations);

        // The next packet starts IKE again; the peer is still silent, so it falls back again, audited again.
        Assert.Equal(PacketAction.Held, Send().Action);
        HandleAcquires();
        RunFor(TimeSpan.FromSeconds(3));
        Assert.Equal(BindingStatus.Soft, Assert.Single(_dataPath.Bindings()).Status);
        Assert.Equal(2, _audits.Count(r => r.EventId == AuditEventId.SoftAssociation));
        Assert.Equal((2, 1), (_dataPath.Statistics.SoftAssociationsMade, _dataPath.Statistics.ActiveSoftAssociations));
        Assert.DoesNotContain(_audits, r => !r.Success);
    }

    public void Dispose()
    {
        _controller.Dispose();
        _database.Dispose();
    }

    /// <summary>Advances the clock second by second, running what the agent's loops would: IKE's timers and the data path's Poll.</summary>
    private void RunFor(TimeSpan span)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < span; elapsed += TimeSpan.FromSeconds(1))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            if (_controller.NextDue <= _time.GetUtcNow())
            {
                _controller.OnTimer();
            }

            foreach (var lifetime in _dataPath.Poll())
            {
                _controller.OnLifetime(lifetime);
            }

            HandleAcquires();
        }
    }

    private void HandleAcquires()
    {
        while (_dataPath.Acquires.TryRead(out var acquire))
        {
            _controller.OnAcquire(acquire);
        }
    }

    /// <summary>One UDP packet from A to B through A's data path.</summary>
    private PacketVerdict Send()
    {
        var packet = new byte[36];
        var span = packet.AsSpan();
        span[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)packet.Length);
        span[8] = 64;
        span[9] = 17;
        TestPolicies.HostA.GetAddressBytes().CopyTo(span[12..]);
        TestPolicies.HostB.GetAddressBytes().CopyTo(span[16..]);
        InternetChecksum.SetIpv4HeaderChecksum(span[..20]);
        BinaryPrimitives.WriteUInt16BigEndian(span[20..], 40000);
        BinaryPrimitives.WriteUInt16BigEndian(span[22..], 7);
        BinaryPrimitives.WriteUInt16BigEndian(span[24..], 16);
        var buffer = new PacketBuffer();
        buffer.Load(packet);
        return _dataPath.ProcessOutbound(buffer);
    }
}
