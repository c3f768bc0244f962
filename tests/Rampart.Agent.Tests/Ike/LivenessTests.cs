using Rampart.Agent.Ike;
using Rampart.Core.Auditing;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Dead peer detection driven by the data path's traffic (RFC 3706 "on demand") and main mode renewal while in use,
/// on two controllers with real data paths and one fake clock.
/// </summary>
public sealed class LivenessTests : IDisposable
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly ControllerPair _net = new();

    [Fact]
    public void TrafficBothWays_NeverProbes()
    {
        _net.Negotiate();
        var (sentA, sentB) = (_net.A.SentCount, _net.B.SentCount);

        for (var i = 0; i < 120; i++)
        {
            _net.Send(_net.A);
            _net.Send(_net.B);
            _net.Advance(Second);
        }

        Assert.Equal((sentA, sentB), (_net.A.SentCount, _net.B.SentCount));
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
    }

    [Fact]
    public void LinkCut_WhileSending_ProbesGivesUpRemovesTheSasAuditsAndCounts_ThenTheNextPacketNegotiatesAfresh()
    {
        _net.Negotiate();
        _net.Send(_net.A);
        _net.Send(_net.B);
        _net.LinkUp = false;
        var sentBefore = _net.A.SentCount;

        // Silent for 30 s while sending: probed at 30, 31, 33 and 37 s, declared dead at 45 s.
        for (var i = 0; i < 44; i++)
        {
            _net.Send(_net.A);
            _net.Advance(Second);
        }

        Assert.Equal(sentBefore + 4, _net.A.SentCount);
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
        _net.Advance(Second);

        Assert.Equal(0, _net.A.Controller.InstalledPairs);
        Assert.Empty(_net.A.DataPath.Database.Snapshot());
        Assert.Empty(_net.A.Controller.Status().MainModes);
        Assert.Equal(1, _net.A.Controller.Statistics().DeadPeers);
        Assert.Equal(sentBefore + 4, _net.A.SentCount); // no deletes to a dead peer
        var quickMode = Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.QuickModeEnded);
        var mainMode = Assert.Single(_net.A.Audits, r => r.EventId == AuditEventId.MainModeEnded);
        Assert.All([quickMode, mainMode], r => Assert.Equal("peer dead (no answer to dead peer detection)", Details(r)));
        Assert.Equal("192.0.2.2", quickMode.Fields.Single(f => f.Name == "Destination IP Address").Value);

        _net.LinkUp = true;
        Assert.NotEqual(PacketAction.AcceptModified, _net.Send(_net.A).Action);
        Assert.True(_net.A.DataPath.Acquires.TryRead(out var acquire));
        _net.A.Controller.OnAcquire(acquire);
        _net.Deliver();
        Assert.Equal(1, _net.A.Controller.InstalledPairs);
        Assert.Equal(PacketAction.AcceptModified, _net.Send(_net.A).Action);
    }

    [Fact]
    public void PeerAnsweringTheProbe_KeepsEverything()
    {
        _net.Negotiate();
        var (sentA, sentB) = (_net.A.SentCount, _net.B.SentCount);

        // Traffic one way only (B never answers with data): a probe each 30 s, each acknowledged.
        for (var i = 0; i < 100; i++)
        {
            _net.Send(_net.A);
            _net.Advance(Second);
        }

        Assert.Equal((sentA + 3, sentB + 3), (_net.A.SentCount, _net.B.SentCount));
        Assert.Equal((1, 1), (_net.A.Controller.InstalledPairs, _net.B.Controller.InstalledPairs));
        Assert.Equal((0, 0), (_net.A.Controller.Statistics().DeadPeers, _net.B.Controller.Statistics().DeadPeers));
        Assert.DoesNotContain(_net.A.Audits, r => r.EventId is AuditEventId.QuickModeEnded or AuditEventId.MainModeEnded);
    }

    [Fact]
    public void MainModeInUse_IsRenewedByTheInitiatorAtNinetyPercent_AndTheOldOneEndsAtItsLifetime()
    {
        _net.Negotiate(mainModeMinutes: 10);

        RunWithTraffic(539);
        Assert.Single(_net.A.Controller.Status().MainModes);
        RunWithTraffic(1);

        Assert.Equal(1, _net.A.Controller.Statistics().MainModeRenewals);
        Assert.Equal(0, _net.B.Controller.Statistics().MainModeRenewals);
        Assert.Equal(2, _net.A.Controller.Status().MainModes.Count(m => m.State == "established"));
        Assert.Equal(2, _net.B.Controller.Status().MainModes.Count(m => m.State == "established"));

        RunWithTraffic(61);
        var renewed = Assert.Single(_net.A.Controller.Status().MainModes);
        Assert.Equal(600 - 61, renewed.LifetimeLeftSeconds);
        Assert.Single(_net.B.Controller.Status().MainModes);
        Assert.Equal((1, 1), (_net.A.Controller.InstalledPairs, _net.B.Controller.InstalledPairs));
        Assert.Equal(PacketAction.AcceptModified, _net.Send(_net.A).Action);
    }

    [Fact]
    public void IdleMainMode_IsNotRenewed_AndExpires()
    {
        _net.Negotiate(mainModeMinutes: 10);

        for (var i = 0; i < 61; i++)
        {
            _net.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(0, _net.A.Controller.Statistics().MainModeRenewals);
        Assert.Empty(_net.A.Controller.Status().MainModes);
        Assert.Equal(1, _net.A.Controller.InstalledPairs); // IPsec SAs keep their own lifetimes
    }

    public void Dispose() => _net.Dispose();

    private static string? Details(IkeAuditRecord record) => record.Fields.FirstOrDefault(f => f.Name == "Details")?.Value;

    /// <summary>Lets <paramref name="seconds"/> pass, with a packet each way every ten seconds.</summary>
    private void RunWithTraffic(int seconds)
    {
        for (var i = 0; i < seconds; i++)
        {
            if (_net.Time.GetUtcNow().Second % 10 == 0)
            {
                _net.Send(_net.A);
                _net.Send(_net.B);
            }

            _net.Advance(Second);
        }
    }
}
