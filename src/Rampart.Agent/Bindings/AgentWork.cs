using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Monitoring;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Bindings;

/// <summary>One event for the agent's loop; handled one at a time, in the order they were posted.</summary>
internal abstract record AgentWork;

internal sealed record DatagramWork(IkeDatagram Datagram, bool NewExchange) : AgentWork;

internal sealed record AcquireWork(Acquire Acquire) : AgentWork;

/// <summary>A policy to put in force in the data path and IKE; <c>Done</c> completes once both are.</summary>
internal sealed record PolicyWork(AppliedPolicy Applied, TaskCompletionSource Done) : AgentWork;

internal sealed record RestartWork(TaskCompletionSource Done) : AgentWork;

/// <summary>IKE's own timer (retransmits, fallback waits) came due.</summary>
internal sealed record TimerWork : AgentWork;

/// <summary>The one-second tick: SA lifetimes, stale held packets, ended blocks, idle soft associations, the status.</summary>
internal sealed record TickWork : AgentWork;

internal sealed record StatusWork(TaskCompletionSource<IkeStatus> Reply) : AgentWork;

/// <summary>Work from a control handler that must run on the loop (manual SAs): <c>Run</c> completes its own task.</summary>
internal sealed record InvokeWork(Action Run) : AgentWork;
