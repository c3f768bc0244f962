using System.Buffers.Binary;
using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.Wire;

namespace Rampart.Ike.Tests.V1;

public class NegotiationTests
{
    public static TheoryData<CipherAlgorithm, IntegrityAlgorithm, DhGroup> Suites => new()
    {
        { CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048 },
        { CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256 },
        { CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha384, DhGroup.Ecp384 },
        { CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha512, DhGroup.X25519 },
        { CipherAlgorithm.TripleDes, IntegrityAlgorithm.Sha1, DhGroup.Modp1024 },
        { CipherAlgorithm.Des, IntegrityAlgorithm.Md5, DhGroup.Modp768 },
    };

    [Theory]
    [MemberData(nameof(Suites))]
    public void MainModeAndQuickMode_ProduceMatchingKeysOnBothSides(CipherAlgorithm cipher, IntegrityAlgorithm hash, DhGroup group)
    {
        var proposal = new IkeProposal(cipher, hash, group, TimeSpan.FromHours(8));
        using var net = new TwoEngines(
            TwoEngines.Peer(IPAddress.Parse("192.0.2.2"), TwoEngines.Psk, proposal),
            TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), TwoEngines.Psk, proposal));
        net.Acquire();
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        var r = Assert.Single(net.Responder.Installed);
        AssertSamePair(i.Outbound, r.Inbound);
        AssertSamePair(r.Outbound, i.Inbound);
        Assert.Equal(20, i.Outbound.EncryptionKey.Length); // AES-GCM-128 key + 4-byte salt
        Assert.Empty(i.Outbound.IntegrityKey);
        Assert.NotEqual(i.Outbound.EncryptionKey, i.Inbound.EncryptionKey);
        Assert.Contains(net.Initiator.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished);
        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.QuickModeEstablished);
        Assert.Equal(1, net.Initiator.Engine.Counters.MainModes);
        Assert.Equal(1, net.Responder.Engine.Counters.QuickModes);
        Assert.Equal(0, net.Responder.Engine.Counters.Malformed + net.Initiator.Engine.Counters.Malformed);
        Assert.Equal(0, net.Responder.Engine.HalfOpenCount);
    }

    [Fact]
    public void EveryClearMessage_ReserialisesByteForByte()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var clear = net.Delivered.Where(d => (d.Datagram[19] & 1) == 0).ToList();
        Assert.Equal(4, clear.Count); // MM1-MM4
        foreach (var (_, datagram) in clear)
        {
            Assert.True(IsakmpMessage.TryParse(datagram, out var parsed, out _));
            Assert.Equal(datagram, parsed!.ToArray());
        }
    }

    [Fact]
    public void EspCbcWithPfsAndResponderLifetime_UsesTheShorterLifetimeAndSeparateIntegrityKey()
    {
        var responderPolicy = new QuickModePolicy([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, 900, 50_000)], DhGroup.Modp2048, SaMode.Tunnel);
        using var net = new TwoEngines(responderQuickMode: responderPolicy);
        net.Acquire(new QuickModePolicy(
        [
            new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm256, IntegrityAlgorithm.None, 3600, 0),
            new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, 3600, 0),
        ], DhGroup.Modp2048, SaMode.Tunnel));
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        var r = Assert.Single(net.Responder.Installed);
        AssertSamePair(i.Outbound, r.Inbound);
        Assert.Equal(CipherAlgorithm.AesCbc128, i.Outbound.Cipher);
        Assert.Equal((16, 32), (i.Outbound.EncryptionKey.Length, i.Outbound.IntegrityKey.Length));
        Assert.Equal(SaMode.Tunnel, i.Outbound.Mode);
        Assert.Equal((900, 50_000L), (i.Outbound.LifetimeSeconds, i.Outbound.LifetimeKilobytes));
        Assert.Equal((900, 50_000L), (r.Inbound.LifetimeSeconds, r.Inbound.LifetimeKilobytes));
        Assert.Contains(net.Responder.Audits, a => a.Detail.Contains("PFS modp2048", StringComparison.Ordinal));
    }

    [Fact]
    public void SecondAcquire_ReusesTheMainModeAndGetsNewSpisAndKeys()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        net.Acquire();
        net.Run();

        Assert.Equal(2, net.Initiator.Installed.Count);
        Assert.Equal(1, net.Initiator.Engine.Counters.MainModes);
        Assert.NotEqual(net.Initiator.Installed[0].Outbound.Spi, net.Initiator.Installed[1].Outbound.Spi);
        Assert.NotEqual(net.Initiator.Installed[0].Outbound.EncryptionKey, net.Initiator.Installed[1].Outbound.EncryptionKey);
        AssertSamePair(net.Initiator.Installed[1].Outbound, net.Responder.Installed[1].Inbound);
    }

    [Fact]
    public void MasterKeyPfs_NegotiatesANewMainModeForEveryQuickMode()
    {
        var proposals = new[] { new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8)) };
        var initiatorPeer = new IkeV1PeerConfig(IPAddress.Parse("192.0.2.2"), "ABC123"u8, proposals) { QuickModesPerMainMode = 1 };
        using var net = new TwoEngines(initiatorPeer, TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), TwoEngines.Psk, proposals));
        net.Acquire();
        net.Run();
        net.Acquire();
        net.Run();

        Assert.Equal(2, net.Initiator.Installed.Count);
        Assert.Equal(2, net.Initiator.Engine.Counters.MainModes);
        Assert.Equal(1, net.Initiator.Engine.Phase1Count);
        Assert.Equal(1, net.Responder.Engine.Phase1Count);
        NegotiationTests.AssertSamePair(net.Initiator.Installed[1].Outbound, net.Responder.Installed[1].Inbound);
        Assert.Empty(net.Responder.Deleted); // the second Main Mode sends no INITIAL-CONTACT, so the first SAs live on
    }

    [Fact]
    public void InitialContactAfterAnInitiatorRestart_MakesTheResponderDropTheStaleSas()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var stale = Assert.Single(net.Responder.Installed);

        net.Initiator.Engine.Reset(); // agent restart: all IKE state gone, so the next Main Mode carries INITIAL-CONTACT
        net.Acquire();
        net.Run();

        Assert.Equal(2, net.Responder.Installed.Count);
        Assert.Equal(stale.Inbound.Spi, Assert.Single(net.Responder.Deleted).InboundSpi);
        Assert.Equal(1, net.Responder.Engine.Phase1Count);
    }

    [Fact]
    public void WrongPreSharedKey_FailsWithAuthenticationFailedOnBothSidesAndNoSa()
    {
        using var net = new TwoEngines(responderPeer: TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), "not-the-key"));
        net.Acquire();
        net.Run();

        Assert.Empty(net.Initiator.Installed);
        Assert.Empty(net.Responder.Installed);
        var i = Assert.Single(net.Initiator.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is null);
        var r = Assert.Single(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, i.Reason);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, r.Reason);
        Assert.True(i.PeerAnswered);
        Assert.Equal(0, net.Initiator.Engine.Phase1Count + net.Responder.Engine.Phase1Count);
        Assert.Equal(1, net.Initiator.Engine.Counters.AuthenticationFailures);
    }

    [Fact]
    public void EncryptedAnswerToMm5ThatOurKeysCannotVerify_IsAnAuthenticationFailure()
    {
        // strongSwan answers a wrong pre-shared key with an encrypted PAYLOAD-MALFORMED that only its own keys can read.
        using var net = new TwoEngines(responderPeer: TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), "not-the-key"));
        net.Lose = (from, send) => from == net.Responder && send.Datagram[18] == (byte)ExchangeType.Informational;
        net.Acquire();
        net.Run();
        var mm5 = net.Initiator.Sent[^1].Datagram;
        var fake = new byte[28 + 48];
        new IsakmpHeader(BinaryPrimitives.ReadUInt64BigEndian(mm5), BinaryPrimitives.ReadUInt64BigEndian(mm5.AsSpan(8)), PayloadType.Hash,
            ExchangeType.Informational, IsakmpFlags.Encryption, 0x01020304, (uint)fake.Length).Write(fake);
        Random.Shared.NextBytes(fake.AsSpan(28));
        net.Deliver(net.Initiator, fake, net.Initiator.IkeEndpoint, net.Responder.IkeEndpoint);

        var failure = Assert.Single(net.Initiator.Audits, a => a.Selector is null);
        Assert.Equal(NotifyMessageType.AuthenticationFailed, failure.Reason);
        Assert.Equal(0, net.Initiator.Engine.Phase1Count);
    }

    [Fact]
    public void NoCommonIkeProposal_FailsWithNoProposalChosen()
    {
        using var net = new TwoEngines(
            TwoEngines.Peer(IPAddress.Parse("192.0.2.2"), TwoEngines.Psk, new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8))),
            TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), TwoEngines.Psk, new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8))));
        net.Acquire();
        net.Run();

        Assert.Equal(NotifyMessageType.NoProposalChosen, Assert.Single(net.Responder.Audits).Reason);
        Assert.Contains(net.Initiator.Audits, a => a.Reason == NotifyMessageType.NoProposalChosen && a.PeerAnswered);
        Assert.Equal(0, net.Responder.Engine.Phase1Count);
    }

    [Fact]
    public void ResponderPicksTheInitiatorsFirstAcceptableProposal()
    {
        var ecp = new IkeProposal(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8));
        var modp = new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8));
        using var net = new TwoEngines(
            TwoEngines.Peer(IPAddress.Parse("192.0.2.2"), TwoEngines.Psk, ecp, modp),
            TwoEngines.Peer(IPAddress.Parse("192.0.2.1"), TwoEngines.Psk, modp, ecp));
        net.Acquire();
        net.Run();

        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.MainModeEstablished && a.Detail.Contains("ecp256", StringComparison.Ordinal));
    }

    [Fact]
    public void NoCommonQuickModeProposal_FailsWithNoProposalChosenAndKeepsTheMainMode()
    {
        var responderPolicy = new QuickModePolicy([new IpsecProposal(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, 0)], DhGroup.None, SaMode.Transport);
        using var net = new TwoEngines(responderQuickMode: responderPolicy);
        net.Acquire();
        net.Run();

        Assert.Empty(net.Initiator.Installed);
        Assert.Contains(net.Responder.Audits, a => a.Reason == NotifyMessageType.NoProposalChosen);
        Assert.Contains(net.Initiator.Audits, a => a.Reason == NotifyMessageType.NoProposalChosen && a.Selector is not null);
        Assert.Equal(1, net.Initiator.Engine.Counters.MainModes);
    }

    [Fact]
    public void AhQuickMode_InstallsIntegrityOnlySas()
    {
        var ah = new QuickModePolicy([new IpsecProposal(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, 0)], DhGroup.None, SaMode.Transport);
        using var net = new TwoEngines(responderQuickMode: ah);
        net.Acquire(ah);
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        Assert.Equal(SaProtocol.Ah, i.Outbound.Protocol);
        Assert.Empty(i.Outbound.EncryptionKey);
        AssertSamePair(i.Outbound, Assert.Single(net.Responder.Installed).Inbound);
    }

    [Fact]
    public void ForcedUdpEncapsulation_FloatsToPort4500_WithBareIsakmpMessages()
    {
        var forced = new IkeV1PeerConfig(IPAddress.Parse("192.0.2.1"), "ABC123"u8,
            [new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8))])
        { ForceUdpEncapsulation = true };
        using var net = new TwoEngines(responderPeer: forced);
        net.Acquire();
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        Assert.True(i.Outbound.UdpEncapsulation);
        Assert.Equal(4500, i.Outbound.Destination.Port);
        Assert.True(Assert.Single(net.Responder.Installed).Inbound.UdpEncapsulation);
        var floated = net.Initiator.Sent.Skip(2).ToList();
        Assert.All(floated, s => Assert.Equal((4500, 4500), (s.Local.Port, s.Remote.Port)));
        // The engine emits bare ISAKMP on port 4500 too: the transport alone adds the non-ESP marker.
        var cookieI = net.Initiator.Sent[0].Datagram[..8];
        Assert.All(floated, s => Assert.Equal(cookieI, s.Datagram[..8]));
        Assert.All(floated, s => Assert.True(IsakmpHeader.TryParse(s.Datagram, out var header, out _) && header.Length == s.Datagram.Length));
        Assert.All(net.Responder.Sent.Where(s => s.Remote.Port == 4500), s => Assert.Equal(cookieI, s.Datagram[..8]));
        Assert.Equal(500, net.Initiator.Sent[1].Remote.Port);
    }

    [Fact]
    public void WithoutNat_StaysOnPort500AndPlainTransport()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();

        var i = Assert.Single(net.Initiator.Installed);
        Assert.False(i.Outbound.UdpEncapsulation);
        Assert.All(net.Initiator.Sent, s => Assert.Equal(500, s.Remote.Port));
    }

    [Fact]
    public void LocalDelete_IsSentToThePeerWhichRemovesItsPair()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var pair = Assert.Single(net.Initiator.Installed);
        var actions = new List<IkeAction>();
        net.Initiator.Engine.DeleteIpsecSa(pair.Inbound.Spi, net.Now, actions);
        net.Dispatch(net.Initiator, actions);
        net.Run();

        Assert.Equal(pair.Inbound.Spi, Assert.Single(net.Initiator.Deleted).InboundSpi);
        var remote = Assert.Single(net.Responder.Deleted);
        Assert.Equal((pair.Outbound.Spi, pair.Inbound.Spi), (remote.InboundSpi, remote.OutboundSpi));
    }

    [Fact]
    public void SecretsDoNotAppearInToString()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var sa = net.Initiator.Installed[0].Outbound;
        Assert.DoesNotContain(Convert.ToHexString(sa.EncryptionKey), sa.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ABC123", net.InitiatorPeer.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ABC123", string.Join('\n', net.Initiator.Logs.Select(l => l.Message).Concat(net.Initiator.Audits.Select(a => a.ToString()))), StringComparison.Ordinal);
    }

    internal static void AssertSamePair(IpsecSaSpec sender, IpsecSaSpec receiver)
    {
        Assert.Equal(sender.Spi, receiver.Spi);
        Assert.Equal(sender.EncryptionKey, receiver.EncryptionKey);
        Assert.Equal(sender.IntegrityKey, receiver.IntegrityKey);
        Assert.Equal(sender.Cipher, receiver.Cipher);
        Assert.Equal(sender.Integrity, receiver.Integrity);
        Assert.Equal(sender.Mode, receiver.Mode);
        Assert.Equal(sender.Source, receiver.Source);
        Assert.Equal(sender.Destination, receiver.Destination);
        Assert.Equal(sender.Selector.Local, receiver.Selector.Remote);
        Assert.Equal(sender.Selector.Remote, receiver.Selector.Local);
    }
}
