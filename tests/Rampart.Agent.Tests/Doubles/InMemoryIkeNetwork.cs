using System.Net;
using Rampart.Agent.Ike;
using Rampart.Core;

namespace Rampart.Agent.Tests.Doubles;

/// <summary>
/// IKE's UDP edge in memory (as wireguard-go's conn/bindtest): one <see cref="Transport"/> per host address; a datagram
/// sent to an address is handed to that host's receiver, with ports 500 or 4500 as the real sockets would report them.
/// Datagrams can be lost (<see cref="LinkUp"/>) or held back (<see cref="HoldWhile"/>) to force an ordering.
/// </summary>
internal sealed class InMemoryIkeNetwork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, Transport> _hosts = [];
    private readonly List<(Transport To, IkeDatagram Datagram)> _heldBack = [];
    private int _sent;

    /// <summary>False: every datagram is lost (a silent peer).</summary>
    public bool LinkUp { get; set; } = true;

    /// <summary>When set, datagrams it selects (sender, message) are kept until <see cref="ReleaseHeldBack"/>.</summary>
    public Func<IPAddress, ReadOnlyMemory<byte>, bool>? HoldWhile { get; set; }

    /// <summary>Datagrams sent by every host so far (lost ones included).</summary>
    public int Sent => Volatile.Read(ref _sent);

    public Transport Attach(IPAddress address)
    {
        var transport = new Transport(this, address);
        lock (_gate)
        {
            _hosts.Add(address, transport);
        }

        return transport;
    }

    /// <summary>Delivers what <see cref="HoldWhile"/> kept back, in order.</summary>
    public void ReleaseHeldBack()
    {
        List<(Transport To, IkeDatagram Datagram)> held;
        lock (_gate)
        {
            held = [.. _heldBack];
            _heldBack.Clear();
            HoldWhile = null;
        }

        held.ForEach(entry => entry.To.Deliver(entry.Datagram));
    }

    private void Send(IPAddress from, ReadOnlySpan<byte> message, IPEndPoint remote, bool natTraversal)
    {
        Interlocked.Increment(ref _sent);
        Transport? to;
        var port = natTraversal ? IkePorts.NatTraversal : IkePorts.Ike;
        var datagram = new IkeDatagram(message.ToArray(), new IPEndPoint(from, port), new IPEndPoint(remote.Address, port), natTraversal);
        lock (_gate)
        {
            if (!LinkUp || !_hosts.TryGetValue(remote.Address, out to))
            {
                return;
            }

            if (HoldWhile?.Invoke(from, datagram.Message) == true)
            {
                _heldBack.Add((to, datagram));
                return;
            }
        }

        to.Deliver(datagram);
    }

    /// <summary>
    /// One host's end: its receiver is called on the sender's thread (it only queues, like the real one); datagrams that
    /// arrive before <see cref="Start"/> wait, as they would in a socket's buffer.
    /// </summary>
    internal sealed class Transport(InMemoryIkeNetwork network, IPAddress address) : IIkeTransport
    {
        private readonly Lock _gate = new();
        private readonly List<IkeDatagram> _early = [];
        private Action<IkeDatagram>? _receiver;
        private int _sent;

        /// <summary>Datagrams this host sent.</summary>
        public int Sent => Volatile.Read(ref _sent);

        public void Start(Action<IkeDatagram> receiver)
        {
            lock (_gate)
            {
                _receiver = receiver;
                _early.ForEach(receiver);
                _early.Clear();
            }
        }

        public void Send(ReadOnlySpan<byte> message, IPEndPoint remote, bool natTraversal, IPAddress? local = null)
        {
            Interlocked.Increment(ref _sent);
            network.Send(address, message, remote, natTraversal);
        }

        internal void Deliver(IkeDatagram datagram)
        {
            lock (_gate)
            {
                if (_receiver is null)
                {
                    _early.Add(datagram);
                    return;
                }
            }

            _receiver(datagram);
        }
    }
}
