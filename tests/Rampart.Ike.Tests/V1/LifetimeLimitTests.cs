using System.Net;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Ike.Tests.V1;

/// <summary>Peers do not control our limits: lifetimes are clamped to between 1 and the policy's value.</summary>
public sealed class LifetimeLimitTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");

    [Theory]
    [InlineData(int.MaxValue, 8 * 3600)]
    [InlineData(0, 1)]
    [InlineData(3600, 3600)]
    public void MainModeResponder_ClampsTheProposedLifetime_ToItsPolicy(int proposedSeconds, int expectedSeconds)
    {
        var initiatorPeer = TwoEngines.Peer(B, TwoEngines.Psk, Proposal(TimeSpan.FromSeconds(proposedSeconds)));
        using var net = new TwoEngines(initiatorPeer: initiatorPeer);

        net.Acquire();
        net.Run();

        var responder = Assert.Single(net.Responder.Engine.MainModeSas(net.Now));
        Assert.Equal("established", responder.State);
        Assert.Equal(0, responder.AgeSeconds);
        Assert.Equal(expectedSeconds, responder.LifetimeLeftSeconds);
    }

    [Fact]
    public void QuickModeProposalOfZeroSeconds_BecomesOneSecond_NotUnlimited()
    {
        using var net = new TwoEngines();

        net.Acquire(TwoEngines.EspGcm(lifetime: 0));
        net.Run();

        Assert.Equal(1, Assert.Single(net.Responder.Installed).Inbound.LifetimeSeconds);
        Assert.Equal(1, Assert.Single(net.Initiator.Installed).Outbound.LifetimeSeconds);
    }

    [Fact]
    public void QuickModeProposalOfTwoToTheThirtyOneSeconds_AndHugeKilobytes_GetTheResponderPolicy()
    {
        using var net = new TwoEngines();
        var greedy = new QuickModePolicy([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, int.MaxValue, long.MaxValue)], DhGroup.None, SaMode.Transport);

        net.Acquire(greedy);
        net.Run();

        var responder = Assert.Single(net.Responder.Installed).Inbound;
        var initiator = Assert.Single(net.Initiator.Installed).Outbound;
        Assert.Equal((900, 100_000L), (responder.LifetimeSeconds, responder.LifetimeKilobytes));
        Assert.Equal((900, 100_000L), (initiator.LifetimeSeconds, initiator.LifetimeKilobytes));
    }

    [Fact]
    public void ResponderAnsweringZeroSeconds_DoesNotGiveTheInitiatorAnUnlimitedSa()
    {
        // The responder's policy says 0 s; whatever it answers, the initiator keeps a limit of at most its own 900 s.
        using var net = new TwoEngines(responderQuickMode: TwoEngines.EspGcm(lifetime: 0));

        net.Acquire(TwoEngines.EspGcm(lifetime: 900));
        net.Run();

        var initiator = Assert.Single(net.Initiator.Installed);
        Assert.InRange(initiator.Outbound.LifetimeSeconds, 1, 900);
        Assert.InRange(Assert.Single(net.Responder.Installed).Inbound.LifetimeSeconds, 1, 900);
    }

    private static IkeProposal Proposal(TimeSpan lifetime) => new(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, lifetime);
}
