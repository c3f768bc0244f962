using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Auditing;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.Policy;
using Rampart.Core;
using Rampart.Core.Monitoring;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>
/// The agent's one event loop: everything that changes a binding (acquires from the data path, IKE datagrams, IKE's
/// timer, the one-second tick that reads SA lifetimes, policy changes, restarts, status requests, manual SAs) arrives
/// in order through the <see cref="AgentInbox"/> and is handled one at a time by the <see cref="IkeController"/> on one
/// thread, so the sans-I/O engine and the binding state need no locks. Registers <c>ike.status</c>.
/// The transport's receive threads put datagrams straight into the inbox: a datagram reaches the engine with one
/// thread wake-up, and the engine's replies are sent from the loop. A policy change is one event: the data path's new
/// snapshot, IKE's deletes and the netfilter chains, then the caller's task completes.
/// </summary>
public sealed partial class IkeService : BackgroundService
{
    /// <summary>How long <c>rampart agent restart</c> waits for the loop to clear its state.</summary>
    private static readonly TimeSpan RestartAnswerLimit = TimeSpan.FromSeconds(5);

    private readonly IIkeTransport _transport;
    private readonly AgentInbox _inbox;
    private readonly DataPathEngine _dataPath;
    private readonly PolicyState _policy;
    private readonly AuditLog _auditLog;
    private readonly ControlDispatcher _dispatcher;
    private readonly AgentLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IkeController _controller;
    private readonly ITimer _timer;
    private IkeStatus _latest = new(IkeStatistics.Zero, []);

    public IkeService(
        IIkeTransport transport,
        AgentInbox inbox,
        DataPathEngine dataPath,
        PolicyState policy,
        AuditLog auditLog,
        ControlDispatcher dispatcher,
        AgentLifecycle lifecycle,
        TimeProvider time,
        IkeControllerOptions options,
        ILoggerFactory loggers,
        IkeCertificateServices? certificates = null,
        IkeKerberosHost? kerberos = null)
    {
        _transport = transport;
        _inbox = inbox;
        _dataPath = dataPath;
        _policy = policy;
        _auditLog = auditLog;
        _dispatcher = dispatcher;
        _lifecycle = lifecycle;
        _time = time;

        // The "Rampart.Ike" category goes to the IKE trace (the walkthrough's Oakley.log).
        _logger = loggers.CreateLogger("Rampart.Ike.Agent");
        _controller = new IkeController(dataPath, time, options, Send, Audit, _logger, certificates, work => _inbox.Post(new InvokeWork(work)))
        {
            Kerberos = kerberos?.Services,
        };
        _timer = time.CreateTimer(_ => _inbox.Post(new TimerWork()), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>IKE datagrams dropped because the loop had too many waiting: a flood.</summary>
    public long DroppedDatagrams => _inbox.DroppedDatagrams;

    /// <summary>
    /// The IKE status for readers on other threads (monitor, metrics) that must not wait for the loop: statistics
    /// as of the last event handled, main modes at most a second old.
    /// </summary>
    public IkeStatus LatestStatus => Volatile.Read(ref _latest);

    /// <summary>Runs <paramref name="work"/> on the loop with the binding state it owns (control handlers: manual SAs) and returns its result.</summary>
    internal Task<T> OnLoopAsync<T>(Func<BindingManager, T> work, CancellationToken cancellationToken) =>
        _inbox.InvokeAsync(() => work(_controller.Bindings), cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _dispatcher.Register("ike.status", async cancellationToken =>
        {
            var request = new StatusWork(new TaskCompletionSource<IkeStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
            _inbox.Post(request);
            return await request.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        });
        _lifecycle.OnRestart(() =>
        {
            // Answered once the loop has cleared the bindings, so the next command sees a fresh agent.
            var restart = new RestartWork(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_inbox.Post(restart))
            {
                restart.Done.Task.Wait(RestartAnswerLimit, stoppingToken);
            }
        });
        var loopDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = new Thread(() =>
        {
            try
            {
                RunLoop(stoppingToken);
                loopDone.TrySetResult();
            }
            catch (Exception e)
            {
                loopDone.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "agent loop",
        };
        loop.Start();
        _transport.Start(_inbox.PostDatagram);
        try
        {
            var ticks = TickAsync(stoppingToken);
            await loopDone.Task.ConfigureAwait(false);
            await ticks.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        _controller.Dispose();
        base.Dispose();
    }

    private void RunLoop(CancellationToken stoppingToken)
    {
        while (true)
        {
            var work = _inbox.Take(stoppingToken);
            try
            {
                Handle(work);
                _controller.OnTimer();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One bad event must not stop the loop for every other binding.
                LogWorkFailed(_logger, work.GetType().Name, e);
                Fail(work, e);
            }

            // Statistics are counters, fresh after every event; the main mode list costs a row per ISAKMP SA (a third of the
            // loop's CPU with 250 of them, by perf), so it is rebuilt on the one-second tick and state resets only.
            var statistics = _controller.Statistics() with { DroppedDatagrams = DroppedDatagrams, AuditRecordsDropped = _auditLog.DroppedRecords };
            Volatile.Write(ref _latest, work is TickWork or RestartWork or PolicyWork ? _controller.Status() with { Statistics = statistics } : _latest with { Statistics = statistics });
            Reschedule();
        }
    }

    private async Task TickAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _inbox.Post(new TickWork());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Handle(AgentWork work)
    {
        switch (work)
        {
            case DatagramWork datagram:
                _controller.OnDatagram(datagram.Datagram.Message.Span, datagram.Datagram.Local, datagram.Datagram.Remote);
                break;
            case AcquireWork acquire:
                _controller.OnAcquire(acquire.Acquire);
                break;
            case TickWork:
                foreach (var lifetime in _dataPath.Poll())
                {
                    _controller.OnLifetime(lifetime);
                }

                break;
            case PolicyWork policy:
                _controller.ApplyPolicy(policy.Applied);

                // Last: the chains follow the published policy, and status readers see it once it is in force.
                _policy.Publish(policy.Applied);
                policy.Done.TrySetResult();
                break;
            case RestartWork restart:
                _dataPath.Reset();
                _controller.OnRestart();
                restart.Done.TrySetResult();
                break;
            case StatusWork status:
                var current = _controller.Status();
                status.Reply.TrySetResult(current with { Statistics = current.Statistics with { DroppedDatagrams = DroppedDatagrams, AuditRecordsDropped = _auditLog.DroppedRecords } });
                break;
            case InvokeWork invoke:
                invoke.Run();
                break;
        }
    }

    /// <summary>A caller waiting on failed work hears of the failure instead of waiting forever.</summary>
    private static void Fail(AgentWork work, Exception e)
    {
        switch (work)
        {
            case PolicyWork policy:
                policy.Done.TrySetException(e);
                break;
            case RestartWork restart:
                restart.Done.TrySetException(e);
                break;
            case StatusWork status:
                status.Reply.TrySetException(e);
                break;
        }
    }

    private void Reschedule()
    {
        if (_controller.NextDue is not { } due)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var delay = due - _time.GetUtcNow();
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void Send(SendDatagram send)
    {
        var natTraversal = send.Local.Port == IkePorts.NatTraversal || send.Remote.Port == IkePorts.NatTraversal;
        try
        {
            _transport.Send(send.Datagram, send.Remote, natTraversal, send.Local.Address);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            LogSendFailed(_logger, send.Remote, e.SocketErrorCode);
        }
    }

    private void Audit(IkeAuditRecord record) => _auditLog.Write(record.EventId, record.Success, record.Summary, record.Fields);

    [LoggerMessage(EventId = 520, Level = LogLevel.Error, Message = "Agent loop: handling {Work} failed")]
    private static partial void LogWorkFailed(ILogger logger, string work, Exception exception);

    [LoggerMessage(EventId = 521, Level = LogLevel.Debug, Message = "Sending to {Remote} failed: {Error}")]
    private static partial void LogSendFailed(ILogger logger, System.Net.IPEndPoint remote, System.Net.Sockets.SocketError error);
}
