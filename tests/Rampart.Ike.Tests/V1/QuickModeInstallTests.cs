using System.Net;

namespace Rampart.Ike.Tests.V1;

/// <summary>When each side installs what: the initiator's first packet must find the responder's inbound SA.</summary>
public sealed class QuickModeInstallTests
{
    private const int QuickModeThree = 5; // the initiator's messages: MM1, MM3, MM5, QM1, QM3

    [Fact]
    public void Responder_InstallsItsInboundSa_WithQuickModeTwo_BeforeTheInitiatorCanSend()
    {
        using var net = new TwoEngines();
        var responderInboundWhenInitiatorInstalled = -1;
        net.Lose = (from, _) =>
        {
            // The initiator installs its pair right after sending its fifth message, Quick Mode's third.
            if (from == net.Initiator && net.Initiator.Sent.Count == QuickModeThree)
            {
                responderInboundWhenInitiatorInstalled = net.Responder.InstalledInboundOnly.Count;
            }

            return false;
        };
        net.Acquire();
        net.Run();

        Assert.Equal(1, responderInboundWhenInitiatorInstalled);
        var early = Assert.Single(net.Responder.InstalledInboundOnly).Inbound;
        var pair = Assert.Single(net.Responder.Installed);
        Assert.Equal((pair.Inbound.Spi, pair.Inbound.Selector, pair.Inbound.Source), (early.Spi, early.Selector, early.Source));
        Assert.Equal(pair.Inbound.EncryptionKey, early.EncryptionKey);
        NegotiationTests.AssertSamePair(Assert.Single(net.Initiator.Installed).Outbound, early);
        Assert.Empty(net.Initiator.InstalledInboundOnly);
    }

    [Fact]
    public void Responder_RemovesTheInboundSa_WhenQuickModeThreeNeverComes()
    {
        using var net = new TwoEngines();
        net.Lose = (from, _) => from == net.Initiator && net.Initiator.Sent.Count >= QuickModeThree; // lost, also when resent
        net.Acquire();
        net.Run();
        var early = Assert.Single(net.Responder.InstalledInboundOnly).Inbound;

        net.AdvanceTo(net.Now + TimeSpan.FromMinutes(2));

        Assert.Empty(net.Responder.Installed);
        var delete = Assert.Single(net.Responder.Deleted);
        Assert.Equal((early.Spi, 0u), (delete.InboundSpi, delete.OutboundSpi));
        Assert.Contains(net.Responder.Audits, a => a.Kind == IkeAuditKind.NegotiationFailed && a.Selector is not null);
    }

    [Fact]
    public void InitialContact_ToAnotherOfOurAddresses_LeavesTheSasOfTheFirst()
    {
        using var net = new TwoEngines();
        var second = IPAddress.Parse("192.0.2.3");
        net.Responder.Aliases.Add(second);
        net.Acquire();
        net.Run();

        // To the initiator 192.0.2.3 is a new peer, so its Main Mode carries INITIAL-CONTACT.
        var actions = new List<IkeAction>();
        var selector = new ProxyIdentities(ProxyIdentity.Host(net.Initiator.Address), ProxyIdentity.Host(second));
        net.Initiator.Engine.Acquire(TwoEngines.Peer(second, TwoEngines.Psk), net.Initiator.IkeEndpoint, selector, TwoEngines.EspGcm(), net.Now, actions);
        net.Dispatch(net.Initiator, actions);
        net.Run();

        Assert.Equal(2, net.Responder.Installed.Count);
        Assert.Empty(net.Responder.Deleted);
        Assert.Equal(2, net.Responder.Engine.Phase1Count);
    }
}
