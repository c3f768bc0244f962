using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Ike.V1;

namespace Rampart.Ike.Tests.V1;

/// <summary>An ISAKMP SA that ends (lifetime, delete, restart) leaves no SKEYID, SKEYID_d, SKEYID_a or pre-shared key behind.</summary>
public sealed class IsakmpKeyZeroingTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    [Fact]
    public void Expiry_ZeroesTheKeysOfBothSides_ButNotTheCallersPeerConfig()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var initiator = Keys(Assert.Single(net.Initiator.Engine.IsakmpSas()));
        var responder = Keys(Assert.Single(net.Responder.Engine.IsakmpSas()));
        Assert.All(initiator.Concat(responder), key => Assert.False(IsZero(key)));

        net.AdvanceTo(net.Now + TimeSpan.FromHours(8));

        Assert.Empty(net.Initiator.Engine.IsakmpSas());
        Assert.Empty(net.Responder.Engine.IsakmpSas());
        Assert.All(initiator.Concat(responder), key => Assert.True(IsZero(key)));
        Assert.False(IsZero(net.InitiatorPeer.PreSharedKey.ToArray()));
        Assert.False(IsZero(net.ResponderPeer.PreSharedKey.ToArray()));
    }

    [Fact]
    public void Delete_ZeroesTheKeysOfTheDeletedSa_OnBothSides()
    {
        // Master key PFS: the second quick mode retires the ISAKMP SA (delete payload) and negotiates a new one.
        var peer = new IkeV1PeerConfig(B, "ABC123"u8, [new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8))])
        {
            QuickModesPerMainMode = 1,
        };
        using var net = new TwoEngines(initiatorPeer: peer);
        net.Acquire();
        net.Run();
        var first = Keys(Assert.Single(net.Initiator.Engine.IsakmpSas()));
        var firstResponder = Keys(Assert.Single(net.Responder.Engine.IsakmpSas()));

        net.Acquire();
        net.Run();

        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.SaDeleted && a.Detail == "ISAKMP SA deleted by peer");
        Assert.All(first.Concat(firstResponder), key => Assert.True(IsZero(key)));
        Assert.All(Keys(Assert.Single(net.Initiator.Engine.IsakmpSas())), key => Assert.False(IsZero(key)));
    }

    [Fact]
    public void Reset_ZeroesEveryIsakmpSa()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();
        var keys = Keys(Assert.Single(net.Initiator.Engine.IsakmpSas()));

        net.Initiator.Engine.Reset();

        Assert.All(keys, key => Assert.True(IsZero(key)));
    }

    [Fact]
    public void InstalledIpsecSaKeys_AreNotZeroed_ByTheEngine()
    {
        using var net = new TwoEngines();
        net.Acquire();
        net.Run();

        var pair = Assert.Single(net.Initiator.Installed);
        Assert.False(IsZero(pair.Inbound.EncryptionKey));
        Assert.False(IsZero(pair.Outbound.EncryptionKey));
    }

    /// <summary>
    /// SKEYID, SKEYID_d, SKEYID_a and the SA's own copy of the pre-shared key, read when enumerated (after the SA ended);
    /// SKEYID_e is zeroed as soon as the cipher is keyed.
    /// </summary>
    private static IEnumerable<byte[]> Keys(Phase1Sa phase1)
    {
        byte[][] derived = [phase1.Skeyid, phase1.SkeyidD, phase1.SkeyidA];
        return derived.Concat(Enumerable.Range(0, 1).Select(_ => phase1.Peer.PreSharedKey.ToArray()));
    }

    private static bool IsZero(byte[] bytes) => bytes.Length > 0 && !bytes.AsSpan().ContainsAnyExcept((byte)0);
}
