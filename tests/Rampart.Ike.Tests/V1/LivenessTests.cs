using System.Globalization;
using System.Net;
using Rampart.Ike.V1;

namespace Rampart.Ike.Tests.V1;

/// <summary>RFC 3706 dead peer detection and the renewal of an ISAKMP SA in use, on two engines with an explicit clock.</summary>
public sealed class LivenessTests
{
    private const string PeerDead = "peer dead (no answer to dead peer detection)";
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void Probe_IsAcknowledgedWithItsSequenceNumber_AndTheNextProbeCountsOn()
    {
        using var net = Established();

        Probe(net, net.Initiator, B);
        var first = Assert.Single(Sequences(net.Initiator));
        Assert.Contains(net.Initiator.Logs, l => l.EventId == 40 && l.Message.StartsWith($"R-U-THERE-ACK {first} ", StringComparison.Ordinal));
        net.AdvanceTo(net.Now + TimeSpan.FromMinutes(1));
        Assert.Single(Sequences(net.Initiator)); // answered: no retransmission
        Probe(net, net.Initiator, B);

        Assert.Equal([first, unchecked(first + 1)], Sequences(net.Initiator));
        Assert.Equal((2, 2, 0, 0), (net.Initiator.Engine.Counters.DpdProbes, net.Initiator.Engine.Counters.DpdAcks, net.Initiator.Engine.Counters.DpdStaleAcks, net.Initiator.Engine.Counters.DeadPeers));
        Assert.Empty(net.Initiator.DeadPeers);

        // RFC 3706 §5.7: the first sequence number is random (two engines agree with chance 2^-32).
        using var other = Established();
        Probe(other, other.Initiator, B);
        Assert.NotEqual(first, Assert.Single(Sequences(other.Initiator)));
    }

    [Fact]
    public void UnansweredProbe_IsRetransmittedWithNewSequenceNumbers_ThenThePeerIsDeclaredDead()
    {
        using var net = Established();
        var pair = Assert.Single(net.Initiator.Installed);
        net.Lose = (from, _) => from == net.Initiator;
        var start = net.Now;

        Probe(net, net.Initiator, B);
        net.AdvanceTo(start + TimeSpan.FromSeconds(2));
        Assert.False(net.Initiator.Engine.ProbePeer(B, net.Now, []), "a probe is running: asking again starts none");
        net.AdvanceTo(start + TimeSpan.FromMilliseconds(14_999));

        var sequences = Sequences(net.Initiator);
        Assert.Equal(4, sequences.Count); // at 0, 1, 3 and 7 s
        Assert.Equal(Enumerable.Range(0, 4).Select(i => unchecked(sequences[0] + (uint)i)), sequences);
        Assert.Empty(net.Initiator.DeadPeers);
        var sentBefore = net.Initiator.Sent.Count;

        net.AdvanceTo(start + TimeSpan.FromSeconds(15));

        Assert.Equal([B], net.Initiator.DeadPeers);
        Assert.Equal(pair.Inbound.Spi, Assert.Single(net.Initiator.Deleted).InboundSpi);
        var ended = net.Initiator.Audits.Where(a => a.Kind == IkeAuditKind.SaDeleted).ToList();
        Assert.Equal(2, ended.Count);
        Assert.All(ended, a => Assert.Equal(PeerDead, a.Detail));
        Assert.Equal(net.Selector, ended.Single(a => a.Selector is not null).Selector);
        Assert.Equal(sentBefore, net.Initiator.Sent.Count); // nothing more is sent to a dead peer
        Assert.Empty(net.Initiator.Engine.MainModeSas(net.Now));
        Assert.Equal(1, net.Initiator.Engine.Counters.DeadPeers);
        Assert.False(net.Initiator.Engine.ProbePeer(B, net.Now, []));

        // The next acquire negotiates afresh.
        net.Lose = (_, _) => false;
        net.Acquire();
        net.Run();
        Assert.Equal(2, net.Initiator.Installed.Count);
    }

    [Fact]
    public void DelayedAcknowledgement_OfAnEarlierProbe_IsIgnoredAndCounted()
    {
        using var net = Established();
        var held = new List<SendDatagram>();
        net.Lose = (from, send) =>
        {
            if (from == net.Responder)
            {
                held.Add(send);
                return true;
            }

            return false;
        };

        Probe(net, net.Initiator, B);
        net.AdvanceTo(net.Now + TimeSpan.FromSeconds(1)); // the retransmission, answered too
        Assert.Equal(2, held.Count);
        Deliver(net, held[1]); // the second answer ends the probe
        Assert.Equal(1, net.Initiator.Engine.Counters.DpdAcks);
        Probe(net, net.Initiator, B);
        Assert.Equal(3, held.Count);

        Deliver(net, held[0]); // an answer to the first probe, during the second: ignored
        Assert.Equal((1, 1), (net.Initiator.Engine.Counters.DpdAcks, net.Initiator.Engine.Counters.DpdStaleAcks));
        Deliver(net, held[2]);
        Assert.Equal((2, 1), (net.Initiator.Engine.Counters.DpdAcks, net.Initiator.Engine.Counters.DpdStaleAcks));

        net.AdvanceTo(net.Now + TimeSpan.FromMinutes(1));
        Assert.Equal(3, Sequences(net.Initiator).Count);
        Assert.Empty(net.Initiator.DeadPeers);
    }

    [Fact]
    public void TrafficOrAnAuthenticatedMessage_FromThePeer_EndsTheProbe()
    {
        using var net = Established();
        net.Lose = (from, _) => from == net.Initiator;
        Probe(net, net.Initiator, B);
        net.AdvanceTo(net.Now + TimeSpan.FromMilliseconds(500));
        var actions = new List<IkeAction>();
        net.Initiator.Engine.PeerAlive(B, net.Now, actions);
        net.Dispatch(net.Initiator, actions);
        net.AdvanceTo(net.Now + TimeSpan.FromMinutes(1));
        Assert.Single(Sequences(net.Initiator));
        Assert.Empty(net.Initiator.DeadPeers);

        // The peer's own R-U-THERE is an authenticated message: proof enough.
        Probe(net, net.Initiator, B);
        net.Lose = (_, _) => false;
        Probe(net, net.Responder, A);
        var heard = net.Now;
        net.AdvanceTo(net.Now + TimeSpan.FromMinutes(1));

        Assert.Equal(2, Sequences(net.Initiator).Count);
        Assert.Equal(heard, net.Initiator.Engine.LastHeardFrom(B));
        Assert.Empty(net.Initiator.DeadPeers);
        Assert.Empty(net.Responder.DeadPeers);
    }

    [Fact]
    public void MainModeInUse_IsRenewedAtNinetyPercent_AndTheOldOneDeletedAtItsLifetime()
    {
        using var net = new TwoEngines(initiatorOptions: Options(_ => true));
        net.Acquire();
        net.Run();
        var established = net.Now;
        var lifetime = TimeSpan.FromHours(8);

        net.AdvanceTo(established + (lifetime * 0.9) - TimeSpan.FromSeconds(1));
        Assert.Single(net.Initiator.Engine.MainModeSas(net.Now));
        net.AdvanceTo(established + (lifetime * 0.9));

        Assert.Equal(1, net.Initiator.Engine.Counters.MainModeRenewals);
        Assert.Equal(2, net.Initiator.Engine.MainModeSas(net.Now).Count(sa => sa.State == "established"));
        Assert.Equal(2, net.Responder.Engine.MainModeSas(net.Now).Count(sa => sa.State == "established"));

        // New quick modes run under the renewal.
        net.Acquire();
        net.Run();
        Assert.Equal(2, net.Initiator.Installed.Count);
        Assert.Equal(1, net.Initiator.Engine.MainModeSas(net.Now).MinBy(sa => sa.AgeSeconds)!.QuickModeSaPairs);

        net.AdvanceTo(established + lifetime);
        var renewed = Assert.Single(net.Initiator.Engine.MainModeSas(net.Now));
        Assert.Equal((established + (lifetime * 0.9) + lifetime - net.Now).TotalSeconds, renewed.LifetimeLeftSeconds);
        Assert.Equal(2, renewed.QuickModeSaPairs); // the old SA's pair was handed over
        Assert.Single(net.Responder.Engine.MainModeSas(net.Now));
        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.SaDeleted && a.Detail == "ISAKMP SA deleted by peer");
        Assert.Empty(net.Initiator.Deleted);
    }

    [Fact]
    public void IdleMainMode_IsNotRenewed_AndExpires()
    {
        var asked = 0;
        using var net = new TwoEngines(initiatorOptions: Options(_ =>
        {
            asked++;
            return false;
        }));
        net.Acquire();
        net.Run();
        var established = net.Now;

        net.AdvanceTo(established + TimeSpan.FromHours(8));

        Assert.Equal(0, net.Initiator.Engine.Counters.MainModeRenewals);
        Assert.Empty(net.Initiator.Engine.MainModeSas(net.Now));
        Assert.Equal(48, asked); // at 7 h 12 min, then each minute until the end
    }

    private static TwoEngines Established()
    {
        var net = new TwoEngines();
        net.Acquire();
        net.Run();
        Assert.Single(net.Initiator.Installed);
        return net;
    }

    private static IkeV1EngineOptions Options(Func<IPAddress, bool> inUse) => new()
    {
        FindPeer = _ => null,
        FindQuickMode = (_, _) => null,
        ShouldRenewMainMode = inUse,
    };

    private static void Probe(TwoEngines net, SimHost host, IPAddress peer)
    {
        var actions = new List<IkeAction>();
        Assert.True(host.Engine.ProbePeer(peer, net.Now, actions));
        net.Dispatch(host, actions);
        net.Run();
    }

    private static void Deliver(TwoEngines net, SendDatagram send) => net.Deliver(net.Initiator, send.Datagram, send.Remote, send.Local);

    /// <summary>The R-U-THERE sequence numbers a host sent, from its trace.</summary>
    private static List<uint> Sequences(SimHost host) =>
        [.. host.Logs.Where(l => l.EventId == 47).Select(l => uint.Parse(l.Message.Split(' ')[1], CultureInfo.InvariantCulture))];
}
