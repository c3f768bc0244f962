using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Auditing;
using Rampart.Agent.Control;
using Rampart.Agent.DataPath;
using Rampart.Agent.Policy;
using Rampart.Core;
using Rampart.Core.Monitoring;
using Rampart.DataPath.Database;
using Rampart.DataPath.Pipeline;
using Rampart.Ike;

namespace Rampart.Agent.Ike;

/// <summary>
/// The agent's IKE loop: IKE datagrams, data path acquires and SA lifetime events, policy changes, restarts, status
/// requests and one timer are funnelled into a single channel and handed to the <see cref="IkeController"/> one at a
/// time, so the sans-I/O engine is driven serially. Registers <c>ike.status</c>.
/// The loop runs on its own thread blocked on the queue, and the transport's receive threads put datagrams straight
/// into it: a datagram reaches the engine with one thread wake-up, and the engine's replies are sent from the loop.
/// Datagrams that start an exchange (responder cookie zero: anyone can send them from any address) wait in a small
/// queue of their own that the loop serves only when nothing else waits, so a flood of them neither delays the
/// messages of exchanges in progress nor pushes their half-open state out while those wait.
/// </summary>
public sealed partial class IkeService : BackgroundService
{
    private readonly IkeTransport _transport;
    private readonly DataPathEngine _dataPath;
    private readonly DataPathService _dataPathService;
    private readonly PolicyState _policy;
    private readonly AuditLog _auditLog;
    private readonly ControlDispatcher _dispatcher;
    private readonly AgentLifecycle _lifecycle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IkeController _controller;
    private const int MaxQueuedDatagrams = 4096;

    /// <summary>New-exchange datagrams waiting at most: a quarter of the engine's half-open bound, so a burst of them
    /// cannot evict a half-open state whose next message arrived meanwhile.</summary>
    private const int MaxQueuedNewExchanges = 256;
    private readonly BlockingCollection<Work> _work = new(new ConcurrentQueue<Work>());
    private readonly BlockingCollection<Work> _newExchanges = new(new ConcurrentQueue<Work>());
    private readonly BlockingCollection<Work>[] _queues;
    private readonly ITimer _timer;
    private int _queuedDatagrams;
    private int _queuedNewExchanges;
    private long _droppedDatagrams;
    private IkeStatus _latest = new(IkeStatistics.Zero, []);

    public IkeService(
        IkeTransport transport,
        DataPathEngine dataPath,
        DataPathService dataPathService,
        PolicyState policy,
        AuditLog auditLog,
        ControlDispatcher dispatcher,
        AgentLifecycle lifecycle,
        TimeProvider time,
        IkeControllerOptions options,
        ILoggerFactory loggers)
    {
        _transport = transport;
        _dataPath = dataPath;
        _dataPathService = dataPathService;
        _policy = policy;
        _auditLog = auditLog;
        _dispatcher = dispatcher;
        _lifecycle = lifecycle;
        _time = time;
        _queues = [_work, _newExchanges];

        // The "Rampart.Ike" category goes to the IKE trace (the walkthrough's Oakley.log).
        _logger = loggers.CreateLogger("Rampart.Ike.Agent");
        _controller = new IkeController(dataPath, policy, time, options, Send, Audit, _logger);
        _timer = time.CreateTimer(_ => Enqueue(new TimerWork()), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _dispatcher.Register("ike.status", async cancellationToken =>
        {
            var request = new StatusWork(new TaskCompletionSource<IkeStatus>(TaskCreationOptions.RunContinuationsAsynchronously));
            Enqueue(request);
            return await request.Reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        });
        _lifecycle.OnRestart(() => Enqueue(new RestartWork()));
        _policy.Changed += OnPolicyChanged;
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
            Name = "IKE loop",
        };
        loop.Start();
        _transport.Start(OnDatagram);
        try
        {
            var pumps = new[]
            {
                PumpAsync(_dataPath.Acquires, a => new AcquireWork(a), stoppingToken),
                PumpAsync(_dataPathService.LifetimeEvents, e => new LifetimeWork(e), stoppingToken),
                RefreshStatusAsync(stoppingToken),
            };
            await loopDone.Task.ConfigureAwait(false);
            await Task.WhenAll(pumps).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _policy.Changed -= OnPolicyChanged;
        }
    }

    /// <summary>IKE datagrams dropped because the loop had <see cref="MaxQueuedDatagrams"/> (or <see cref="MaxQueuedNewExchanges"/> new exchanges) waiting: a flood.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref _droppedDatagrams);

    /// <summary>
    /// The IKE status for readers on other threads (monitor, metrics) that must not wait for the IKE loop: statistics
    /// as of the last event handled, main modes at most a second old.
    /// </summary>
    public IkeStatus LatestStatus => Volatile.Read(ref _latest);

    public override void Dispose()
    {
        _timer.Dispose();
        _controller.Dispose();
        _work.Dispose();
        _newExchanges.Dispose();
        base.Dispose();
    }

    private void RunLoop(CancellationToken stoppingToken)
    {
        while (true)
        {
            // Takes from the first queue with work: new exchanges only when nothing else waits.
            BlockingCollection<Work>.TakeFromAny(_queues, out var taken, stoppingToken);
            if (taken is not { } work)
            {
                continue;
            }

            if (work is DatagramWork datagram)
            {
                Interlocked.Decrement(ref datagram.NewExchange ? ref _queuedNewExchanges : ref _queuedDatagrams);
            }

            var installedBefore = _controller.InstalledPairs;
            try
            {
                Handle(work);
                _controller.OnTimer();
                if (_controller.InstalledPairs != installedBefore)
                {
                    _dataPathService.SendReleased();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One bad event must not stop IKE for every other peer.
                LogWorkFailed(_logger, work.GetType().Name, e);
            }

            // Statistics are counters, fresh after every event; the main mode list costs a row per ISAKMP SA (a third of the
            // IKE loop's CPU with 250 of them, by perf), so it is rebuilt on the one-second tick and state resets only.
            var statistics = _controller.Statistics() with { DroppedDatagrams = DroppedDatagrams, AuditRecordsDropped = _auditLog.DroppedRecords };
            Volatile.Write(ref _latest, work is TimerWork or RestartWork or PolicyWork ? _controller.Status() with { Statistics = statistics } : _latest with { Statistics = statistics });
            Reschedule();
        }
    }

    private async Task RefreshStatusAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await tick.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Enqueue(new TimerWork());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Handle(Work work)
    {
        switch (work)
        {
            case DatagramWork datagram:
                _controller.OnDatagram(datagram.Datagram.Message.Span, datagram.Datagram.Local, datagram.Datagram.Remote);
                break;
            case AcquireWork acquire:
                _controller.OnAcquire(acquire.Acquire);
                break;
            case LifetimeWork lifetime:
                _controller.OnLifetime(lifetime.Event);
                break;
            case PolicyWork:
                _controller.OnPolicyChanged();
                break;
            case RestartWork:
                _controller.OnRestart();
                break;
            case StatusWork status:
                var current = _controller.Status();
                status.Reply.TrySetResult(current with { Statistics = current.Statistics with { DroppedDatagrams = DroppedDatagrams, AuditRecordsDropped = _auditLog.DroppedRecords } });
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

    private async Task PumpAsync<T>(ChannelReader<T> source, Func<T, Work> wrap, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in source.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                Enqueue(wrap(item));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnPolicyChanged(AppliedPolicy _) => Enqueue(new PolicyWork());

    // On a transport receive thread. Only datagrams are bounded: peers can flood them, the other work comes from
    // this agent (acquires are bounded by the data path's own channel).
    private void OnDatagram(IkeDatagram datagram)
    {
        // Bytes 8-15 of the ISAKMP header: the responder cookie, zero in a request that starts an exchange.
        var message = datagram.Message.Span;
        var newExchange = message.Length < 16 || BinaryPrimitives.ReadUInt64BigEndian(message[8..]) == 0;
        ref var queued = ref newExchange ? ref _queuedNewExchanges : ref _queuedDatagrams;
        if (Interlocked.Increment(ref queued) > (newExchange ? MaxQueuedNewExchanges : MaxQueuedDatagrams))
        {
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref _droppedDatagrams);
            return;
        }

        if (!Enqueue(new DatagramWork(datagram, newExchange), newExchange ? _newExchanges : _work))
        {
            Interlocked.Decrement(ref queued);
        }
    }

    private bool Enqueue(Work work) => Enqueue(work, _work);

    private static bool Enqueue(Work work, BlockingCollection<Work> queue)
    {
        try
        {
            return queue.TryAdd(work);
        }
        catch (ObjectDisposedException)
        {
            // The agent is stopping.
            return false;
        }
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

    [LoggerMessage(EventId = 520, Level = LogLevel.Error, Message = "IKE loop: handling {Work} failed")]
    private static partial void LogWorkFailed(ILogger logger, string work, Exception exception);

    [LoggerMessage(EventId = 521, Level = LogLevel.Debug, Message = "Sending to {Remote} failed: {Error}")]
    private static partial void LogSendFailed(ILogger logger, System.Net.IPEndPoint remote, System.Net.Sockets.SocketError error);

    private abstract record Work;

    private sealed record DatagramWork(IkeDatagram Datagram, bool NewExchange) : Work;

    private sealed record AcquireWork(Acquire Acquire) : Work;

    private sealed record LifetimeWork(SaLifetimeEvent Event) : Work;

    private sealed record PolicyWork : Work;

    private sealed record RestartWork : Work;

    private sealed record TimerWork : Work;

    private sealed record StatusWork(TaskCompletionSource<IkeStatus> Reply) : Work;
}
