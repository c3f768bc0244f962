using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Filtering;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.DataPath.Tests.Doubles;
using Rampart.Ike;

namespace Rampart.Agent.Tests.Ike;

/// <summary>
/// Two agents' IKE controllers, each with a real data path engine, joined by an in-memory link on one fake clock:
/// IKE datagrams and ESP packets cross it while <see cref="LinkUp"/>.
/// </summary>
internal sealed class ControllerPair : IDisposable
{
    /// <summary>Idle after an hour, so tests that let time pass without traffic do not idle the SAs out.</summary>
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(1);

    /// <param name="options">The controllers' options.</param>
    /// <param name="certificates">Each host's certificate store and checker, for certificate methods (their verdicts come back through <see cref="Pump"/>).</param>
    /// <param name="kerberos">Each host's realm membership and GSS services, for Kerberos methods (their answers come back through <see cref="Pump"/>).</param>
    public ControllerPair(IkeControllerOptions? options = null, Func<IPAddress, TimeProvider, IkeCertificateServices>? certificates = null, Func<IPAddress, IkeKerberosServices>? kerberos = null)
    {
        A = new Host(this, TestPolicies.HostA, options ?? new IkeControllerOptions(), certificates?.Invoke(TestPolicies.HostA, Time), kerberos?.Invoke(TestPolicies.HostA));
        B = new Host(this, TestPolicies.HostB, options ?? new IkeControllerOptions(), certificates?.Invoke(TestPolicies.HostB, Time), kerberos?.Invoke(TestPolicies.HostB));
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public Host A { get; }

    public Host B { get; }

    public bool LinkUp { get; set; } = true;

    /// <summary>Moves the clock, runs each controller's due work, and delivers what they send.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        foreach (var host in new[] { A, B })
        {
            if (host.Controller.NextDue <= Time.GetUtcNow())
            {
                host.Controller.OnTimer();
            }
        }

        Deliver();
    }

    /// <summary>Delivers queued datagrams both ways until both sides are quiet.</summary>
    public void Deliver()
    {
        for (var round = 0; round < 100 && (A.Outbox.Count > 0 || B.Outbox.Count > 0); round++)
        {
            foreach (var (from, to) in new[] { (A, B), (B, A) })
            {
                var batch = from.Outbox.ToList();
                from.Outbox.Clear();
                foreach (var send in batch.Where(_ => LinkUp))
                {
                    to.Controller.OnDatagram(send.Datagram, send.Remote, send.Local);
                }
            }
        }
    }

    /// <summary>
    /// Delivers datagrams and runs the work the controllers posted back to their loops (certificate verdicts, which
    /// arrive from the thread pool) until <paramref name="done"/>; fails after 10 seconds.
    /// </summary>
    public void Pump(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            Deliver();
            var ran = A.RunPosted() + B.RunPosted();
            if (done())
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the negotiation did not get there within 10 seconds");
            if (ran == 0)
            {
                Thread.Sleep(5);
            }
        }
    }

    /// <summary>The Partner policy in force on both hosts; then A negotiates.</summary>
    public void Negotiate(int mainModeMinutes = 480)
    {
        A.Assign(TestPolicies.Partner(TestPolicies.HostA, TestPolicies.HostB, mainModeMinutes: mainModeMinutes));
        B.Assign(TestPolicies.Partner(TestPolicies.HostB, TestPolicies.HostA, mainModeMinutes: mainModeMinutes));
        A.Controller.OnAcquire(PolicyIkeMappingTests.AcquireFor(A.Policy.Current, TestPolicies.HostA, TestPolicies.HostB));
        Deliver();
        Assert.Equal(1, A.Controller.InstalledPairs);
        Assert.Equal(1, B.Controller.InstalledPairs);
    }

    /// <summary>One UDP packet from <paramref name="from"/> to the other host, protected by its data path and, while the link is up, unprotected by the other's.</summary>
    public PacketVerdict Send(Host from, InMemoryPacketExit? exit = null)
    {
        var to = from == A ? B : A;
        var buffer = (exit ?? new InMemoryPacketExit()).Queue(TestPackets.Udp(from.Address, to.Address));
        var verdict = from.DataPath.ProcessOutbound(buffer);
        if (verdict.Action == PacketAction.AcceptModified && LinkUp)
        {
            Assert.Equal(PacketAction.AcceptModified, to.DataPath.ProcessInbound(buffer).Action);
        }

        return verdict;
    }

    public void Dispose()
    {
        A.Controller.Dispose();
        B.Controller.Dispose();
    }

    internal sealed class Host
    {
        private readonly ConcurrentQueue<Action> _posted = new();

        public Host(ControllerPair pair, IPAddress address, IkeControllerOptions options, IkeCertificateServices? certificates, IkeKerberosServices? kerberos = null)
        {
            DataPath = new DataPathEngine(new SecurityAssociationDatabase(pair.Time, IdleTimeout));
            DataPath.Apply(CompiledPolicy.None);
            Controller = new IkeController(DataPath, pair.Time, options, Send, Audits.Add, NullLogger.Instance, certificates, certificates is null && kerberos is null ? null : _posted.Enqueue)
            {
                Kerberos = kerberos,
            };
            Address = address;
        }

        public IPAddress Address { get; }

        public PolicyState Policy { get; } = new();

        public DataPathEngine DataPath { get; }

        public IkeController Controller { get; }

        /// <summary>Datagrams not yet delivered.</summary>
        public List<SendDatagram> Outbox { get; } = [];

        /// <summary>IKE datagrams sent since the start.</summary>
        public int SentCount { get; private set; }

        public List<IkeAuditRecord> Audits { get; } = [];

        /// <summary>Runs what the controller posted back to its loop; returns how many.</summary>
        public int RunPosted()
        {
            var count = 0;
            while (_posted.TryDequeue(out var work))
            {
                work();
                count++;
            }

            return count;
        }

        /// <summary>As the agent's loop does: the data path and IKE take the policy as one step, then it is published.</summary>
        public void Assign(AppliedPolicy policy)
        {
            Controller.ApplyPolicy(policy);
            Policy.Publish(policy);
        }

        private void Send(SendDatagram datagram)
        {
            Outbox.Add(datagram);
            SentCount++;
        }
    }
}
