using System.Net;
using Rampart.Core;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike.V1;

namespace Rampart.Ike.Tests.V1;

/// <summary>One simulated host: an engine and everything it asked for.</summary>
internal sealed class SimHost(string address, IkeV1EngineOptions options)
{
    public IPAddress Address { get; } = IPAddress.Parse(address);

    public IkeV1Engine Engine { get; } = new(options);

    public List<InstallIpsecSa> Installed { get; } = [];

    public List<InstallInboundIpsecSa> InstalledInboundOnly { get; } = [];

    /// <summary>More addresses this host answers on.</summary>
    public List<IPAddress> Aliases { get; } = [];

    public List<DeleteIpsecSa> Deleted { get; } = [];

    public List<IkeAuditEvent> Audits { get; } = [];

    public List<IkeLogEvent> Logs { get; } = [];

    public List<SendDatagram> Sent { get; } = [];

    public List<IPAddress> DeadPeers { get; } = [];

    public List<ValidatePeerCertificate> Validations { get; } = [];

    public List<GssStep> GssSteps { get; } = [];

    public List<long> ReleasedGssContexts { get; } = [];

    public DateTimeOffset? Timer { get; set; }

    public IPEndPoint IkeEndpoint => new(Address, IkePorts.Ike);
}

/// <summary>Two engines joined by an in-memory network with an explicit clock; no sockets.</summary>
internal sealed class TwoEngines : IDisposable
{
    public const string Psk = "ABC123";

    private readonly Queue<(SimHost To, SendDatagram Datagram)> _inFlight = new();

    public TwoEngines(IkeV1PeerConfig? initiatorPeer = null, IkeV1PeerConfig? responderPeer = null, QuickModePolicy? responderQuickMode = null, IkeV1EngineOptions? responderOptions = null, IkeV1EngineOptions? initiatorOptions = null)
    {
        var a = IPAddress.Parse("192.0.2.1");
        var b = IPAddress.Parse("192.0.2.2");
        InitiatorPeer = initiatorPeer ?? Peer(b, Psk);
        ResponderPeer = responderPeer ?? Peer(a, Psk);
        var responderPolicy = responderQuickMode ?? EspGcm();
        Initiator = new SimHost("192.0.2.1", initiatorOptions ?? new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
        Responder = new SimHost("192.0.2.2", responderOptions ?? new IkeV1EngineOptions
        {
            FindPeer = address => address.Equals(a) ? ResponderPeer : null,
            FindQuickMode = (_, _) => responderPolicy,
        });
        Selector = new ProxyIdentities(ProxyIdentity.Host(a), ProxyIdentity.Host(b));
    }

    public static DateTimeOffset Start { get; } = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; set; } = Start;

    public SimHost Initiator { get; }

    public SimHost Responder { get; }

    public IkeV1PeerConfig InitiatorPeer { get; }

    public IkeV1PeerConfig ResponderPeer { get; }

    public ProxyIdentities Selector { get; }

    /// <summary>Return true to lose a datagram in flight.</summary>
    public Func<SimHost, SendDatagram, bool> Lose { get; set; } = (_, _) => false;

    /// <summary>The host's certificate validation, answered at once; null leaves the request pending.</summary>
    public Func<ValidatePeerCertificate, CertificateCheck?> Validate { get; set; } = _ => CertificateCheck.Valid;

    /// <summary>The host's GSS step (Kerberos), answered at once; null (the default) leaves the request pending.</summary>
    public Func<SimHost, GssStep, GssStepResult?> Gss { get; set; } = (_, _) => null;

    /// <summary>Every datagram delivered, in order, with its receiver.</summary>
    public List<(SimHost To, byte[] Datagram)> Delivered { get; } = [];

    public static IkeV1PeerConfig Peer(IPAddress remote, string psk, params IkeProposal[] proposals) =>
        new(remote, System.Text.Encoding.ASCII.GetBytes(psk),
            proposals.Length > 0 ? proposals : [new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Modp2048, TimeSpan.FromHours(8))]);

    public static QuickModePolicy EspGcm(int lifetime = 900, DhGroup pfs = DhGroup.None) =>
        new([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, lifetime, 100_000)], pfs, SaMode.Transport);

    public void Acquire(QuickModePolicy? policy = null)
    {
        var actions = new List<IkeAction>();
        Initiator.Engine.Acquire(InitiatorPeer, Initiator.IkeEndpoint, Selector, policy ?? EspGcm(), Now, actions);
        Dispatch(Initiator, actions);
    }

    public void Dispatch(SimHost from, List<IkeAction> actions)
    {
        foreach (var action in actions)
        {
            switch (action)
            {
                case SendDatagram send:
                    from.Sent.Add(send);
                    var to = new[] { Initiator, Responder }.FirstOrDefault(h => h.Address.Equals(send.Remote.Address) || h.Aliases.Contains(send.Remote.Address));
                    if (to is not null && !Lose(from, send))
                    {
                        _inFlight.Enqueue((to, send));
                    }

                    break;
                case InstallIpsecSa install:
                    from.Installed.Add(install);
                    break;
                case InstallInboundIpsecSa early:
                    from.InstalledInboundOnly.Add(early);
                    break;
                case DeleteIpsecSa delete:
                    from.Deleted.Add(delete);
                    break;
                case IkeAuditEvent audit:
                    from.Audits.Add(audit);
                    break;
                case IkeLogEvent log:
                    from.Logs.Add(log);
                    break;
                case ArmTimer timer:
                    from.Timer = timer.Due;
                    break;
                case PeerDead dead:
                    from.DeadPeers.Add(dead.Peer);
                    break;
                case ValidatePeerCertificate validate:
                    from.Validations.Add(validate);
                    if (Validate(validate) is { } result)
                    {
                        var completion = new List<IkeAction>();
                        from.Engine.CompletePeerValidation(validate.RequestId, result, Now, completion);
                        Dispatch(from, completion);
                    }

                    break;
                case GssStep step:
                    from.GssSteps.Add(step);
                    if (Gss(from, step) is { } answer)
                    {
                        var completion = new List<IkeAction>();
                        from.Engine.CompleteGssStep(step.RequestId, answer, Now, completion);
                        Dispatch(from, completion);
                    }

                    break;
                case ReleaseGssContext release:
                    from.ReleasedGssContexts.Add(release.ContextId);
                    break;
            }
        }
    }

    /// <summary>Answers a step left pending by <see cref="Gss"/>.</summary>
    public void CompleteGss(SimHost host, GssStep step, GssStepResult result)
    {
        var completion = new List<IkeAction>();
        host.Engine.CompleteGssStep(step.RequestId, result, Now, completion);
        Dispatch(host, completion);
    }

    /// <summary>Delivers datagrams until none are in flight.</summary>
    public void Run(int maxDatagrams = 100)
    {
        while (maxDatagrams-- > 0 && _inFlight.TryDequeue(out var item))
        {
            Deliver(item.To, item.Datagram.Datagram, item.Datagram.Remote, item.Datagram.Local);
        }
    }

    public void Deliver(SimHost to, byte[] datagram, IPEndPoint local, IPEndPoint remote)
    {
        Delivered.Add((to, datagram));
        var actions = new List<IkeAction>();
        to.Engine.ProcessDatagram(datagram, local, remote, Now, actions);
        Dispatch(to, actions);
    }

    /// <summary>Moves the clock, firing due timers on both hosts, and delivers what they send.</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        while (true)
        {
            var next = new[] { Initiator, Responder }.Where(h => h.Timer <= time).OrderBy(h => h.Timer).FirstOrDefault();
            if (next is null)
            {
                break;
            }

            Now = next.Timer!.Value;
            next.Timer = null;
            var actions = new List<IkeAction>();
            next.Engine.OnTimer(Now, actions);
            Dispatch(next, actions);
            Run();
        }

        Now = time;
    }

    public void Dispose()
    {
        Initiator.Engine.Dispose();
        Responder.Engine.Dispose();
    }
}
