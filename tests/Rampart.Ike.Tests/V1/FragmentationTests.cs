using System.Buffers.Binary;
using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

/// <summary>IKE fragmentation between two engines with a small fragment size, and hostile fragments against one.</summary>
public class FragmentationTests
{
    /// <summary>300-byte IP packets: bare ISAKMP messages of at most 300 - 20 (IPv4) - 8 (UDP) bytes on port 500.</summary>
    private const int FragmentSize = 300;
    private const int LargestDatagram = FragmentSize - 20 - 8;

    private static readonly IPAddress InitiatorAddress = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress ResponderAddress = IPAddress.Parse("192.0.2.2");
    private static readonly IPEndPoint InitiatorEndpoint = new(InitiatorAddress, 500);
    private static readonly IPEndPoint ResponderEndpoint = new(ResponderAddress, 500);

    /// <summary>Quick Mode with PFS: its KE payload makes its messages too large for one datagram as well.</summary>
    private static readonly QuickModePolicy Pfs = TwoEngines.EspGcm(pfs: DhGroup.Modp2048);

    [Fact]
    public void MainModeAndQuickMode_NegotiateThroughFragments_NoDatagramLargerThanTheFragmentSize()
    {
        using var net = Fragmenting();
        net.Acquire(Pfs);
        net.Run();

        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
        NegotiationTests.AssertSamePair(net.Responder.Installed[0].Outbound, net.Initiator.Installed[0].Inbound);
        Assert.All(net.Delivered, d => Assert.True(d.Datagram.Length <= LargestDatagram, $"a {d.Datagram.Length}-byte datagram"));
        Assert.Contains(net.Delivered, d => d.To == net.Responder && IsFragment(d.Datagram));
        Assert.Contains(net.Delivered, d => d.To == net.Initiator && IsFragment(d.Datagram));
        foreach (var host in new[] { net.Initiator, net.Responder })
        {
            var counters = host.Engine.Counters;
            // MM3 or MM4 (KE, nonce, NAT-D) and two Quick Mode messages (with KE) each way.
            Assert.True(counters.MessagesReassembled >= 2, $"{counters.MessagesReassembled} messages reassembled");
            Assert.True(counters.FragmentsSent >= 4, $"{counters.FragmentsSent} fragments sent");
            Assert.Equal(host == net.Initiator ? net.Responder.Engine.Counters.FragmentsSent : net.Initiator.Engine.Counters.FragmentsSent, counters.FragmentsReceived);
            Assert.Equal(0, counters.ReassembliesDropped + counters.Malformed);
        }

        // Both announced the extension in the clear Main Mode messages.
        Assert.Contains(VendorIds(net.Initiator.Sent[0].Datagram), v => v.SequenceEqual(Rampart.Ike.V1.VendorIds.Fragmentation));
        Assert.Contains(VendorIds(net.Responder.Sent[0].Datagram), v => v.SequenceEqual(Rampart.Ike.V1.VendorIds.Fragmentation));
    }

    [Fact]
    public void Fragments_AreSlicesOfTheWholeMessage_UnderItsCookies_NumberedFromOne_LastFlagged()
    {
        using var net = Fragmenting();
        var fragments = new List<byte[]>();
        net.Lose = (from, send) =>
        {
            if (from == net.Initiator && IsFragment(send.Datagram))
            {
                fragments.Add(send.Datagram);
                return true;
            }

            return false;
        };
        net.Acquire(Pfs);
        net.Run();

        // MM3: the initiator's first message after learning the responder takes fragments.
        Assert.True(fragments.Count >= 2);
        var whole = new List<byte>();
        for (var i = 0; i < fragments.Count; i++)
        {
            Assert.True(IkeFragment.TryParse(fragments[i], out var header, out var fragment));
            Assert.Equal((ExchangeType.IdentityProtection, 0u, IsakmpFlags.None), (header.Exchange, header.MessageId, header.Flags));
            Assert.Equal(i + 1, fragment.Number);
            Assert.Equal(i == fragments.Count - 1, fragment.IsLast);
            Assert.True(IkeFragment.TryParse(fragments[0], out _, out var first));
            Assert.Equal(first.Id, fragment.Id);
            whole.AddRange(fragment.Data.ToArray());
            Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(fragments[0]), header.InitiatorCookie);
            Assert.NotEqual(0ul, header.ResponderCookie);
        }

        Assert.True(IsakmpMessage.TryParse(whole.ToArray(), out var mm3, out _));
        Assert.NotNull(mm3!.Find<KeyExchangePayload>());
        Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(fragments[0].AsSpan(8)), mm3.Header.ResponderCookie);
    }

    [Fact]
    public void RetransmittedMessage_ResendsEveryFragment_Unchanged()
    {
        using var net = Fragmenting();
        var responderSilent = false;
        net.Lose = (from, send) =>
        {
            responderSilent |= from == net.Initiator && IsFragment(send.Datagram);
            return responderSilent && from == net.Responder;
        };
        net.Acquire(Pfs);
        net.Run();
        var first = net.Initiator.Sent.Where(s => IsFragment(s.Datagram)).Select(s => s.Datagram).ToList();
        Assert.True(first.Count >= 2);

        net.Lose = (_, _) => false;
        net.AdvanceTo(TwoEngines.Start + TimeSpan.FromSeconds(1));

        var resent = net.Initiator.Sent.Skip(net.Initiator.Sent.FindIndex(s => IsFragment(s.Datagram)) + first.Count).Take(first.Count).Select(s => s.Datagram).ToList();
        Assert.Equal(first, resent);
        Assert.Equal(1, net.Initiator.Engine.Counters.Retransmits);
        Assert.Single(net.Initiator.Installed);
    }

    [Fact]
    public void OutOfOrderAndDuplicatedFragments_ReassembleEachMessageOnce()
    {
        using var net = Fragmenting();
        var held = new List<(SimHost To, SendDatagram Datagram)>();
        net.Lose = (from, send) =>
        {
            if (!IsFragment(send.Datagram))
            {
                return false;
            }

            held.Add((from == net.Initiator ? net.Responder : net.Initiator, send));
            return true;
        };
        net.Acquire(Pfs);
        net.Run();

        var delivered = new Dictionary<SimHost, int> { [net.Initiator] = 0, [net.Responder] = 0 };
        var messages = new Dictionary<SimHost, int> { [net.Initiator] = 0, [net.Responder] = 0 };
        while (held.Count > 0)
        {
            var batch = held.ToList();
            held.Clear();
            foreach (var message in batch.GroupBy(h => (h.To, FragmentId(h.Datagram.Datagram))))
            {
                // Last fragment first, every one but the first twice, the first (which completes it) once.
                var reversed = message.Reverse().ToList();
                var order = reversed.Take(reversed.Count - 1).SelectMany(f => new[] { f, f }).Append(reversed[^1]);
                foreach (var (to, datagram) in order)
                {
                    delivered[to]++;
                    net.Deliver(to, datagram.Datagram, datagram.Remote, datagram.Local);
                }

                messages[message.Key.To]++;
            }

            net.Run();
        }

        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, Assert.Single(net.Responder.Installed).Inbound);
        foreach (var host in new[] { net.Initiator, net.Responder })
        {
            var counters = host.Engine.Counters;
            Assert.Equal(delivered[host], counters.FragmentsReceived);
            Assert.Equal(messages[host], counters.MessagesReassembled);
            Assert.Equal(0, counters.ReassembliesDropped + counters.DuplicatesAnswered + counters.Malformed);
            Assert.Equal(0, host.Engine.ReassembliesInProgress);
        }
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void PeerWithoutTheVendorId_NeverGetsFragments(bool initiatorFragments, bool responderFragments)
    {
        using var net = Fragmenting(initiatorFragmentation: initiatorFragments, responderFragmentation: responderFragments);
        net.Acquire(Pfs);
        net.Run();

        Assert.Single(net.Initiator.Installed);
        Assert.Single(net.Responder.Installed);
        Assert.DoesNotContain(net.Delivered, d => IsFragment(d.Datagram));
        Assert.Contains(net.Delivered, d => d.Datagram.Length > LargestDatagram);
        Assert.Equal(0, net.Initiator.Engine.Counters.FragmentsSent + net.Responder.Engine.Counters.FragmentsSent);

        // Only the side with fragmentation on announces it, and the responder answers it only to an initiator that did.
        var initiatorAnnounced = VendorIds(net.Initiator.Sent[0].Datagram).Any(v => v.SequenceEqual(Rampart.Ike.V1.VendorIds.Fragmentation));
        var responderAnnounced = VendorIds(net.Responder.Sent[0].Datagram).Any(v => v.SequenceEqual(Rampart.Ike.V1.VendorIds.Fragmentation));
        Assert.Equal((initiatorFragments, false), (initiatorAnnounced, responderAnnounced));
    }

    [Fact]
    public void WindowsVendorIdWithoutFlags_AndCiscoFlags_AnnounceFragmentation_BaseOnlyFlagsDoNot()
    {
        var hash = Rampart.Ike.V1.VendorIds.Fragmentation.AsSpan(0, 16);
        Assert.True(Rampart.Ike.V1.VendorIds.IsFragmentation(hash));
        Assert.True(Rampart.Ike.V1.VendorIds.IsFragmentation(Rampart.Ike.V1.VendorIds.Fragmentation));
        Assert.True(Rampart.Ike.V1.VendorIds.IsFragmentation([.. hash, 0xC0, 0, 0, 0]));
        Assert.False(Rampart.Ike.V1.VendorIds.IsFragmentation([.. hash, 0x40, 0, 0, 0]));
        Assert.False(Rampart.Ike.V1.VendorIds.IsFragmentation([.. hash, 0x80, 0, 0]));
        Assert.False(Rampart.Ike.V1.VendorIds.IsFragmentation(hash[..15]));
        Assert.False(Rampart.Ike.V1.VendorIds.IsFragmentation(Rampart.Ike.V1.VendorIds.DeadPeerDetection));
    }

    [Fact]
    public void FragmentedMainModeRequest_FromAnUnknownInitiator_IsReassembledAndAnswered()
    {
        using var responder = Responder();
        var mm1 = MainModeRequest();
        var actions = new List<IkeAction>();
        foreach (var fragment in Enumerable.Reverse(Split(mm1, 60)))
        {
            responder.ProcessDatagram(fragment, ResponderEndpoint, InitiatorEndpoint, TwoEngines.Start, actions);
        }

        Assert.Equal(1, responder.Counters.MessagesReassembled);
        Assert.Equal(1, responder.Phase1Count);
        var mm2 = Assert.Single(actions.OfType<SendDatagram>());
        Assert.Equal(BinaryPrimitives.ReadUInt64BigEndian(mm1), BinaryPrimitives.ReadUInt64BigEndian(mm2.Datagram));
    }

    [Fact]
    public void TooManyFragments_AreCountedAndDropped()
    {
        using var responder = Responder(new() { MaxFragmentsPerMessage = 4 });
        var fragments = Split(MainModeRequest(), 30);
        Assert.True(fragments.Count > 4);

        var actions = Feed(responder, fragments);

        Assert.Equal(0, responder.Counters.MessagesReassembled);
        Assert.True(responder.Counters.ReassembliesDropped >= 1);
        Assert.Equal(0, responder.ReassembliesInProgress);
        Assert.Equal(0, responder.Phase1Count);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Fact]
    public void TooManyBytes_AreCountedAndDropped()
    {
        using var responder = Responder(new() { MaxReassembledBytes = 100 });
        var actions = Feed(responder, Split(MainModeRequest(), 60));

        Assert.Equal(0, responder.Counters.MessagesReassembled);
        Assert.Equal(1, responder.Counters.ReassembliesDropped);
        Assert.Equal(0, responder.Phase1Count);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Fact]
    public void NeverCompletedMessage_IsDroppedAfterTheTimeout()
    {
        using var responder = Responder(new() { ReassemblyTimeout = TimeSpan.FromSeconds(30) });
        var fragments = Split(MainModeRequest(), 60);
        Feed(responder, fragments.Take(fragments.Count - 1));
        Assert.Equal(1, responder.ReassembliesInProgress);

        responder.OnTimer(TwoEngines.Start + TimeSpan.FromSeconds(29), []);
        Assert.Equal(1, responder.ReassembliesInProgress);
        responder.OnTimer(TwoEngines.Start + TimeSpan.FromSeconds(30), []);
        Assert.Equal(0, responder.ReassembliesInProgress);
        Assert.Equal(1, responder.Counters.ReassembliesDropped);

        // The last fragment alone, after the timeout, completes nothing.
        Feed(responder, [fragments[^1]], TwoEngines.Start + TimeSpan.FromSeconds(31));
        Assert.Equal(0, responder.Counters.MessagesReassembled);
        Assert.Equal(0, responder.Phase1Count);
    }

    [Fact]
    public void FragmentsCarryingAMessageWithOtherCookies_AreCountedAndDropped()
    {
        using var responder = Responder();
        var actions = Feed(responder, Split(MainModeRequest(), 60, cookieI: 0x1122334455667788));

        Assert.Equal(1, responder.Counters.MessagesReassembled);
        Assert.Equal(1, responder.Counters.ReassembliesDropped);
        Assert.Equal(0, responder.Phase1Count);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Fact]
    public void FragmentsForAnSaWeDoNotHave_AreDroppedWithoutAReassembly()
    {
        using var responder = Responder();
        var actions = Feed(responder, Split(MainModeRequest(), 60, cookieR: 0x0102030405060708));

        Assert.Equal(0, responder.ReassembliesInProgress);
        Assert.True(responder.Counters.Dropped >= 1);
        Assert.Equal(0, responder.Counters.MessagesReassembled);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Fact]
    public void FragmentsOfFragments_AreNotUnpackedTwice()
    {
        using var responder = Responder();
        var inner = Split(MainModeRequest(), 60)[0];
        var actions = Feed(responder, Split(inner, 20, cookieI: BinaryPrimitives.ReadUInt64BigEndian(inner)));

        Assert.Equal(1, responder.Counters.ReassembliesDropped);
        Assert.Equal(0, responder.ReassembliesInProgress);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Fact]
    public void ContradictoryLastFragments_AreCountedAndDropped()
    {
        using var responder = Responder();
        var cookie = BinaryPrimitives.ReadUInt64BigEndian(MainModeRequest());
        Feed(responder,
        [
            new IkeFragment(7, 3, isLast: true, new byte[40]).ToMessage(cookie, 0),
            new IkeFragment(7, 2, isLast: true, new byte[40]).ToMessage(cookie, 0),
        ]);
        Assert.Equal(1, responder.Counters.ReassembliesDropped);

        Feed(responder,
        [
            new IkeFragment(8, 2, isLast: true, new byte[40]).ToMessage(cookie, 0),
            new IkeFragment(8, 3, isLast: false, new byte[40]).ToMessage(cookie, 0),
        ]);
        Assert.Equal(2, responder.Counters.ReassembliesDropped);
        Assert.Equal(0, responder.ReassembliesInProgress);
    }

    [Fact]
    public void FloodOfIncompleteMessages_StaysWithinThePerPeerAndOverallBounds()
    {
        using var responder = Responder(new() { MaxReassembliesPerPeer = 3, MaxReassemblies = 10 });
        for (ushort id = 1; id <= 50; id++)
        {
            Feed(responder, [new IkeFragment(id, 1, isLast: false, new byte[100]).ToMessage(0xAA, 0)]);
        }

        Assert.Equal(3, responder.ReassembliesInProgress);
        Assert.Equal(47, responder.Counters.ReassembliesDropped);

        for (var host = 1; host <= 50; host++)
        {
            var source = new IPEndPoint(IPAddress.Parse($"198.51.100.{host}"), 500);
            var datagram = new IkeFragment(1, 1, isLast: false, new byte[100]).ToMessage(0xBB, 0);
            responder.ProcessDatagram(datagram, ResponderEndpoint, source, TwoEngines.Start, []);
        }

        Assert.Equal(10, responder.ReassembliesInProgress);
        Assert.Equal(100, responder.Counters.FragmentsReceived);
        Assert.Equal(47 + 43, responder.Counters.ReassembliesDropped);
    }

    [Theory]
    [InlineData("truncated payload header")]
    [InlineData("payload length past the message")]
    [InlineData("fragment number 0")]
    [InlineData("a payload chained after it")]
    public void MalformedFragments_AreCountedAsMalformed(string defect)
    {
        using var responder = Responder();
        var datagram = new IkeFragment(1, 1, isLast: true, new byte[40]).ToMessage(0xAA, 0);
        switch (defect)
        {
            case "truncated payload header":
                datagram = datagram[..(IsakmpHeader.Size + 5)];
                BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(24), (uint)datagram.Length);
                break;
            case "payload length past the message":
                BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(IsakmpHeader.Size + 2), (ushort)(datagram.Length - IsakmpHeader.Size + 1));
                break;
            case "fragment number 0":
                datagram[IsakmpHeader.Size + 6] = 0;
                break;
            default:
                datagram[IsakmpHeader.Size] = (byte)PayloadType.VendorId;
                break;
        }

        Feed(responder, [datagram]);
        Assert.Equal(1, responder.Counters.Malformed);
        Assert.Equal(0, responder.Counters.FragmentsReceived);
        Assert.Equal(0, responder.ReassembliesInProgress);
    }

    [Fact]
    public void FragmentationOff_DropsFragmentsAndAnnouncesNothing()
    {
        using var responder = Responder(new() { Fragmentation = false });
        var actions = Feed(responder, Split(MainModeRequest(), 60));

        Assert.Equal(0, responder.Counters.FragmentsReceived);
        Assert.True(responder.Counters.Dropped >= 1);
        Assert.Equal(0, responder.ReassembliesInProgress);
        Assert.Empty(actions.OfType<SendDatagram>());
    }

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.2", 500, 300 - 20 - 8)]
    [InlineData("192.0.2.1", "192.0.2.2", 4500, 300 - 20 - 8 - 4)]
    [InlineData("2001:db8::1", "2001:db8::2", 500, 300 - 40 - 8)]
    [InlineData("2001:db8::1", "2001:db8::2", 4500, 300 - 40 - 8 - 4)]
    public void FragmentSize_CountsTheIpAndUdpHeadersAndTheNonEspMarker(string localAddress, string remoteAddress, int port, int largest)
    {
        var counters = new IkeV1Counters();
        var fragmenter = new MessageFragmenter(FragmentSize, counters);
        var local = new IPEndPoint(IPAddress.Parse(localAddress), port);
        var remote = new IPEndPoint(IPAddress.Parse(remoteAddress), port);
        var fits = Message(largest);
        var actions = new List<IkeAction>();

        fragmenter.Send(fits, local, remote, actions);
        Assert.Same(fits, Assert.Single(actions.OfType<SendDatagram>()).Datagram);

        actions.Clear();
        var tooLarge = Message(largest + 1);
        fragmenter.Send(tooLarge, local, remote, actions);
        var fragments = actions.OfType<SendDatagram>().Select(s => s.Datagram).ToList();
        Assert.Equal(2, fragments.Count);
        Assert.Equal(largest, fragments[0].Length);
        Assert.Equal(2, counters.FragmentsSent);
        Assert.All(actions.OfType<SendDatagram>(), s => Assert.Equal((local, remote), (s.Local, s.Remote)));

        static byte[] Message(int length)
        {
            var message = new byte[length];
            new IsakmpHeader(0xAA, 0xBB, PayloadType.Hash, ExchangeType.QuickMode, IsakmpFlags.Encryption, 7, (uint)length).Write(message);
            return message;
        }
    }

    [Fact]
    public void FragmentSizeBelowTheMinimum_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new IkeV1Engine(new IkeV1EngineOptions
        {
            FindPeer = _ => null,
            FindQuickMode = (_, _) => null,
            FragmentSize = IkeV1EngineOptions.MinFragmentSize - 1,
        }));

    private static TwoEngines Fragmenting(int fragmentSize = FragmentSize, bool initiatorFragmentation = true, bool responderFragmentation = true)
    {
        var responderPeer = TwoEngines.Peer(InitiatorAddress, TwoEngines.Psk);
        return new TwoEngines(
            responderPeer: responderPeer,
            responderOptions: new IkeV1EngineOptions
            {
                FindPeer = address => address.Equals(InitiatorAddress) ? responderPeer : null,
                FindQuickMode = (_, _) => Pfs,
                Fragmentation = responderFragmentation,
                FragmentSize = fragmentSize,
            },
            initiatorOptions: new IkeV1EngineOptions
            {
                FindPeer = _ => null,
                FindQuickMode = (_, _) => null,
                Fragmentation = initiatorFragmentation,
                FragmentSize = fragmentSize,
            });
    }

    /// <summary>A responder engine that answers Main Mode from the initiator's address, with the given bounds.</summary>
    private static IkeV1Engine Responder(Bounds? bounds = null)
    {
        bounds ??= new();
        var peer = TwoEngines.Peer(InitiatorAddress, TwoEngines.Psk);
        return new IkeV1Engine(new IkeV1EngineOptions
        {
            FindPeer = address => address.Equals(InitiatorAddress) ? peer : null,
            FindQuickMode = (_, _) => Pfs,
            Fragmentation = bounds.Fragmentation,
            MaxFragmentsPerMessage = bounds.MaxFragmentsPerMessage,
            MaxReassembledBytes = bounds.MaxReassembledBytes,
            MaxReassembliesPerPeer = bounds.MaxReassembliesPerPeer,
            MaxReassemblies = bounds.MaxReassemblies,
            ReassemblyTimeout = bounds.ReassemblyTimeout,
        });
    }

    /// <summary>A real MM1 from an initiator engine (with its own cookie).</summary>
    private static byte[] MainModeRequest()
    {
        using var initiator = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var actions = new List<IkeAction>();
        initiator.Acquire(TwoEngines.Peer(ResponderAddress, TwoEngines.Psk), InitiatorEndpoint, new ProxyIdentities(ProxyIdentity.Host(InitiatorAddress), ProxyIdentity.Host(ResponderAddress)), Pfs, TwoEngines.Start, actions);
        return actions.OfType<SendDatagram>().Single().Datagram;
    }

    /// <summary>Splits <paramref name="message"/> into fragments of <paramref name="slice"/> bytes under its own cookies unless others are given.</summary>
    private static List<byte[]> Split(byte[] message, int slice, ulong? cookieI = null, ulong? cookieR = null)
    {
        var fragments = new List<byte[]>();
        var count = (message.Length + slice - 1) / slice;
        for (var i = 0; i < count; i++)
        {
            var data = message.AsSpan(i * slice, Math.Min(slice, message.Length - (i * slice)));
            fragments.Add(new IkeFragment(42, (byte)(i + 1), i == count - 1, data)
                .ToMessage(cookieI ?? BinaryPrimitives.ReadUInt64BigEndian(message), cookieR ?? BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(8))));
        }

        return fragments;
    }

    private static List<IkeAction> Feed(IkeV1Engine engine, IEnumerable<byte[]> datagrams, DateTimeOffset? now = null)
    {
        var actions = new List<IkeAction>();
        foreach (var datagram in datagrams)
        {
            engine.ProcessDatagram(datagram, ResponderEndpoint, InitiatorEndpoint, now ?? TwoEngines.Start, actions);
        }

        return actions;
    }

    private static bool IsFragment(byte[] datagram) => datagram[16] == (byte)PayloadType.Fragment;

    private static ushort FragmentId(byte[] datagram) => BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(IsakmpHeader.Size + 4));

    private static IEnumerable<byte[]> VendorIds(byte[] datagram)
    {
        Assert.True(IsakmpMessage.TryParse(datagram, out var message, out _));
        return message!.Payloads.OfType<VendorIdPayload>().Select(v => v.Data.ToArray());
    }

    private sealed record Bounds
    {
        public bool Fragmentation { get; init; } = true;

        public int MaxFragmentsPerMessage { get; init; } = 32;

        public int MaxReassembledBytes { get; init; } = 64 * 1024;

        public int MaxReassembliesPerPeer { get; init; } = 4;

        public int MaxReassemblies { get; init; } = 128;

        public TimeSpan ReassemblyTimeout { get; init; } = TimeSpan.FromSeconds(30);
    }
}
