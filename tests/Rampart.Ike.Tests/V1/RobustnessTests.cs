using System.Net;
using Rampart.Ike.V1;

namespace Rampart.Ike.Tests.V1;

public class RobustnessTests
{
    [Fact]
    public void SilentPeer_IsRetransmittedWithExponentialBackoffThenGivenUp()
    {
        using var net = new TwoEngines { Lose = (from, _) => from.Address.Equals(IPAddress.Parse("192.0.2.2")) };
        net.Acquire();
        net.Run();
        var first = net.Initiator.Sent[0].Datagram;

        int[] expectedAt = [1, 3, 7, 15, 31];
        for (var i = 0; i < expectedAt.Length; i++)
        {
            net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(expectedAt[i]) - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 1, net.Initiator.Sent.Count);
            net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(expectedAt[i]));
            Assert.Equal(i + 2, net.Initiator.Sent.Count);
            Assert.Equal(first, net.Initiator.Sent[^1].Datagram);
        }

        Assert.Empty(net.Initiator.Audits);
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(63));
        var failure = Assert.Single(net.Initiator.Audits, a => a.Selector is null);
        Assert.Equal((IkeAuditKind.NegotiationFailed, (Rampart.Ike.Wire.NotifyMessageType?)null, false), (failure.Kind, failure.Reason, failure.PeerAnswered));
        Assert.Contains(net.Initiator.Audits, a => a.Selector == net.Selector);
        Assert.Equal(0, net.Initiator.Engine.Phase1Count);
        Assert.Equal(5, net.Initiator.Engine.Counters.Retransmits);
    }

    [Fact]
    public void LostQuickModeRequest_IsRetransmittedAndCompletes()
    {
        var lost = 0;
        using var net = new TwoEngines();
        net.Lose = (from, send) => from == net.Initiator && send.Datagram[18] == 32 && lost++ == 0;
        net.Acquire();
        net.Run();
        Assert.Empty(net.Initiator.Installed);
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(1));

        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
    }

    [Fact]
    public void LostQuickModeHash3_ResponderRetransmitsAndInitiatorResendsTheSameAnswer()
    {
        var quickModeFromInitiator = 0;
        using var net = new TwoEngines();
        net.Lose = (from, send) => from == net.Initiator && send.Datagram[18] == 32 && ++quickModeFromInitiator == 2;
        net.Acquire();
        net.Run();
        Assert.Single(net.Initiator.Installed);
        Assert.Empty(net.Responder.Installed);

        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(1));
        NegotiationTests.AssertSamePair(net.Initiator.Installed[0].Outbound, Assert.Single(net.Responder.Installed).Inbound);
        Assert.Equal(1, net.Initiator.Engine.Counters.DuplicatesAnswered);
        Assert.Single(net.Initiator.Installed);
    }

    [Fact]
    public void RetransmittedMainModeRequest_GetsTheSameReplyOnce()
    {
        using var net = new TwoEngines();
        net.Acquire();
        var mm1 = net.Initiator.Sent[0];
        net.Deliver(net.Responder, mm1.Datagram, mm1.Remote, mm1.Local);
        net.Deliver(net.Responder, mm1.Datagram, mm1.Remote, mm1.Local);

        Assert.Equal(2, net.Responder.Sent.Count);
        Assert.Equal(net.Responder.Sent[0].Datagram, net.Responder.Sent[1].Datagram);
        Assert.Equal(1, net.Responder.Engine.Counters.DuplicatesAnswered);
        Assert.Equal(1, net.Responder.Engine.Phase1Count);
    }

    [Fact]
    public void GarbageTruncatedAndFlippedMessages_AreCountedAndDroppedWithoutBreakingTheNegotiation()
    {
        using var net = new TwoEngines();
        var random = new Random(42);
        net.Lose = (from, send) =>
        {
            // Before each real message reaches the responder, throw noise derived from it at the same state.
            if (from != net.Initiator)
            {
                return false;
            }

            var real = send.Datagram;
            for (var length = 0; length < real.Length; length += 7)
            {
                Process(net.Responder, real[..length], send.Remote, send.Local);
            }

            for (var i = 0; i < 50; i++)
            {
                Process(net.Responder, random.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), random.Next(0, 600)), send.Remote, send.Local);
            }

            // The real message under a responder cookie nobody issued: no state to reach, dropped.
            var stranger = (byte[])real.Clone();
            stranger.AsSpan(8, 8).Fill(0xEE);
            Process(net.Responder, stranger, send.Remote, send.Local);
            return false;
        };
        net.Acquire();
        net.Run(1000);

        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
        var counters = net.Responder.Engine.Counters;
        Assert.True(counters.Malformed > 50, $"malformed {counters.Malformed}");
        Assert.True(counters.Dropped >= 5, $"dropped {counters.Dropped}");

        // Bit flips of every real message, against the established state: dropped, nothing installed.
        net.Lose = (_, _) => false;
        foreach (var (to, datagram) in net.Delivered.ToList())
        {
            var from = to == net.Initiator ? net.Responder : net.Initiator;
            for (var i = 0; i < 200; i++)
            {
                var flipped = (byte[])datagram.Clone();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                Process(to, flipped, to.IkeEndpoint, from.IkeEndpoint);
            }
        }

        net.Acquire();
        net.Run();
        Assert.Equal(2, net.Initiator.Installed.Count);

        static void Process(SimHost host, byte[] datagram, IPEndPoint local, IPEndPoint remote)
        {
            var actions = new List<IkeAction>();
            host.Engine.ProcessDatagram(datagram, local, remote, TwoEngines.Start, actions);
            Assert.DoesNotContain(actions, a => a is InstallIpsecSa);
        }
    }

    [Fact]
    public void ReplayedMessagesAfterCompletion_InstallNothingNew()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var delivered = net.Delivered.ToList();
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromMinutes(5)); // past the linger of completed exchanges
        foreach (var (to, datagram) in delivered)
        {
            var from = to == net.Initiator ? net.Responder : net.Initiator;
            var actions = new List<IkeAction>();
            to.Engine.ProcessDatagram(datagram, to.IkeEndpoint, from.IkeEndpoint, net.Now, actions);
            Assert.DoesNotContain(actions, a => a is InstallIpsecSa or IkeAuditEvent);
        }

        Assert.Single(net.Initiator.Installed);
        Assert.Single(net.Responder.Installed);
        Assert.True(net.Responder.Engine.Counters.Replays + net.Responder.Engine.Counters.Dropped + net.Responder.Engine.Counters.DuplicatesAnswered >= 4);
    }

    [Fact]
    public void HalfOpenResponderState_ExpiresAfterTheTimeout()
    {
        var initiatorSent = 0;
        using var net = new TwoEngines();
        net.Lose = (from, _) => from == net.Responder || ++initiatorSent > 1;
        net.Acquire();
        net.Run();
        Assert.Equal(1, net.Responder.Engine.HalfOpenCount);
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(31));
        Assert.Equal(0, net.Responder.Engine.HalfOpenCount);
        Assert.Equal(0, net.Responder.Engine.Phase1Count);
    }

    [Fact]
    public void MainModeLifetime_EndsTheIsakmpSaOnBothSides()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromHours(8) + TimeSpan.FromSeconds(1));

        Assert.Equal(0, net.Initiator.Engine.Phase1Count);
        Assert.Equal(0, net.Responder.Engine.Phase1Count);
        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.SaDeleted);
    }

    [Fact]
    public void FloodFromTenThousandSpoofedSources_StaysBoundedAndALegitimateNegotiationCompletes()
    {
        const int MaxHalfOpen = 1000;
        TwoEngines? network = null;
        var options = new IkeV1EngineOptions
        {
            FindPeer = address => network!.ResponderPeer,
            FindQuickMode = (_, _) => TwoEngines.EspGcm(),
            MaxHalfOpen = MaxHalfOpen,
        };
        using var net = network = new TwoEngines(responderOptions: options);

        // A real MM1 from a third engine, replayed with fresh cookies from spoofed IPv6 documentation addresses.
        using var attacker = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var attackerActions = new List<IkeAction>();
        attacker.Acquire(net.InitiatorPeer, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 500), net.Selector, TwoEngines.EspGcm(), net.Now, attackerActions);
        var template = attackerActions.OfType<SendDatagram>().Single().Datagram;
        var random = new Random(7);
        var sent = 0;
        void Flood(int count)
        {
            for (var i = 0; i < count; i++, sent++)
            {
                var spoofed = (byte[])template.Clone();
                random.NextBytes(spoofed.AsSpan(0, 8));
                var source = new byte[16];
                source[0] = 0x20;
                source[1] = 0x01;
                source[2] = 0x0d;
                source[3] = 0xb8;
                random.NextBytes(source.AsSpan(8));
                var actions = new List<IkeAction>();
                net.Responder.Engine.ProcessDatagram(spoofed, net.Responder.IkeEndpoint, new IPEndPoint(new IPAddress(source), 500), net.Now, actions);
                Assert.True(net.Responder.Engine.HalfOpenCount - net.Responder.Engine.HalfOpenProvenCount <= MaxHalfOpen);
                Assert.True(net.Responder.Engine.HalfOpenProvenCount <= MaxHalfOpen);
            }
        }

        Flood(9000);
        net.Acquire();
        while (net.Initiator.Installed.Count == 0 && sent < 20000)
        {
            net.Run(1);
            Flood(200);
        }

        net.Run();

        Assert.True(sent >= 10_000, $"only {sent} spoofed requests");
        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
        Assert.True(net.Responder.Engine.Phase1Count <= MaxHalfOpen + 1);
        Assert.True(net.Responder.Engine.Counters.HalfOpenEvicted >= sent - MaxHalfOpen);
    }

    [Fact]
    public void SpoofedMainModeFlood_NeverEvictsANegotiationPastMm3()
    {
        const int MaxHalfOpen = 100;
        TwoEngines? network = null;
        var options = new IkeV1EngineOptions
        {
            FindPeer = address => network!.ResponderPeer,
            FindQuickMode = (_, _) => TwoEngines.EspGcm(),
            MaxHalfOpen = MaxHalfOpen,
        };
        using var net = network = new TwoEngines(responderOptions: options);
        net.Acquire();
        net.Run(3); // MM1, MM2, MM3: the responder's MM4 is on its way, its state proven
        Assert.Equal(1, net.Responder.Engine.HalfOpenProvenCount);

        var flood = SpoofedMainModes(net, count: 20 * MaxHalfOpen);
        Assert.Equal(MaxHalfOpen + 1, net.Responder.Engine.HalfOpenCount);
        Assert.True(net.Responder.Engine.Counters.HalfOpenEvicted >= flood - MaxHalfOpen);

        net.Run();
        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
        Assert.Equal(0, net.Responder.Engine.HalfOpenProvenCount);
    }

    [Fact]
    public void EchoesOurCookie_OnlyForTheAddressWeSentTheCookieTo()
    {
        using var net = new TwoEngines();
        net.Acquire();
        var mm1 = net.Initiator.Sent.Single().Datagram;
        Assert.False(net.Responder.Engine.EchoesOurCookie(mm1, net.Initiator.Address)); // MM1 carries no cookie of the responder
        net.Run(2);
        var mm2 = net.Responder.Sent.Single().Datagram;
        Assert.True(net.Initiator.Engine.EchoesOurCookie(mm2, net.Responder.Address));
        Assert.False(net.Initiator.Engine.EchoesOurCookie(mm2, IPAddress.Parse("2001:db8::99")));
        Assert.False(net.Initiator.Engine.EchoesOurCookie(mm2.AsSpan(0, 20), net.Responder.Address));
        var mm3 = net.Initiator.Sent.Last().Datagram;
        Assert.True(net.Responder.Engine.EchoesOurCookie(mm3, net.Initiator.Address));
        var forged = (byte[])mm3.Clone();
        forged[15] ^= 1;
        Assert.False(net.Responder.Engine.EchoesOurCookie(forged, net.Initiator.Address));
    }

    /// <summary>A real MM1 replayed with fresh cookies from random 2001:db8::/32 sources; returns how many were sent.</summary>
    private static int SpoofedMainModes(TwoEngines net, int count)
    {
        using var attacker = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var attackerActions = new List<IkeAction>();
        attacker.Acquire(net.InitiatorPeer, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 500), net.Selector, TwoEngines.EspGcm(), net.Now, attackerActions);
        var template = attackerActions.OfType<SendDatagram>().Single().Datagram;
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            var spoofed = (byte[])template.Clone();
            random.NextBytes(spoofed.AsSpan(0, 8));
            var source = new byte[16];
            source[0] = 0x20;
            source[1] = 0x01;
            source[2] = 0x0d;
            source[3] = 0xb8;
            random.NextBytes(source.AsSpan(8));
            net.Responder.Engine.ProcessDatagram(spoofed, net.Responder.IkeEndpoint, new IPEndPoint(new IPAddress(source), 500), net.Now, []);
        }

        return count;
    }
}
