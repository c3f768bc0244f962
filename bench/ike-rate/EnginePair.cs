using System.Net;
using Rampart.Core;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;
using Rampart.Ike.V1;

namespace Rampart.IkeRate;

/// <summary>
/// An initiator and a responder IKEv1 engine joined in memory (no sockets, no loss). Each negotiation comes from a
/// new initiator address, so every one is a full Main Mode (DH + PSK authentication) plus a Quick Mode.
/// </summary>
internal sealed class EnginePair : IDisposable
{
    private static readonly IPEndPoint ResponderEndpoint = new(IPAddress.Parse("192.0.2.2"), IkePorts.Ike);
    private static readonly byte[] PreSharedKey = "ike-rate-benchmark-psk"u8.ToArray();
    private static readonly QuickModePolicy EspGcm = new(
        [new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, 3600, 0)], DhGroup.None, SaMode.Transport);

    private readonly IkeProposal[] _proposals;
    private readonly IkeV1Engine _responder;
    private readonly byte[] _addressPrefix;
    private readonly List<IkeAction> _actions = [];
    private readonly Queue<(bool ToResponder, SendDatagram Datagram)> _inFlight = new();
    private int _next;

    /// <param name="group">The Diffie-Hellman group of the Main Mode.</param>
    /// <param name="addressPrefix">The first three bytes of the initiator addresses (a documentation /24).</param>
    public EnginePair(DhGroup group, byte[] addressPrefix)
    {
        _proposals = [new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, group, TimeSpan.FromHours(8))];
        _addressPrefix = addressPrefix;
        _responder = new IkeV1Engine(new IkeV1EngineOptions
        {
            FindPeer = address => new IkeV1PeerConfig(address, PreSharedKey, _proposals),
            FindQuickMode = (_, _) => EspGcm,
        });
    }

    /// <summary>One Main Mode + Quick Mode; true when both engines installed the SA pair.</summary>
    public bool Negotiate()
    {
        // 254 host addresses per /24; the responder forgets its Main Mode SAs before an address comes round again.
        if (_next % 254 == 0)
        {
            _responder.Reset();
        }

        var initiatorAddress = new IPAddress([.. _addressPrefix, (byte)(_next++ % 254 + 1)]);
        using var initiator = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        var selector = new ProxyIdentities(ProxyIdentity.Host(initiatorAddress), ProxyIdentity.Host(ResponderEndpoint.Address));
        var installed = 0;
        _actions.Clear();
        initiator.Acquire(new IkeV1PeerConfig(ResponderEndpoint.Address, PreSharedKey, _proposals), new IPEndPoint(initiatorAddress, IkePorts.Ike), selector, EspGcm, DateTimeOffset.UtcNow, _actions);
        installed += Dispatch(toResponder: true);
        while (_inFlight.TryDequeue(out var item))
        {
            _actions.Clear();
            var engine = item.ToResponder ? _responder : initiator;
            engine.ProcessDatagram(item.Datagram.Datagram, item.Datagram.Remote, item.Datagram.Local, DateTimeOffset.UtcNow, _actions);
            installed += Dispatch(toResponder: !item.ToResponder);
        }

        return installed == 2;
    }

    public void Dispose() => _responder.Dispose();

    /// <summary>Queues what the engine sent for the other one; returns the SA pairs it installed.</summary>
    private int Dispatch(bool toResponder)
    {
        var installed = 0;
        foreach (var action in _actions)
        {
            if (action is SendDatagram send)
            {
                _inFlight.Enqueue((toResponder, send));
            }
            else if (action is InstallIpsecSa)
            {
                installed++;
            }
        }

        return installed;
    }
}
