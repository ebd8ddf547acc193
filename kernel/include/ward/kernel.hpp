// Ward's kernel API in one include.
#pragma once
#include "ward/kernel/error.hpp"
#include "ward/kernel/event_flags.hpp"
#include "ward/kernel/irq.hpp"
#include "ward/kernel/mutex.hpp"
#include "ward/kernel/queue.hpp"
#include "ward/kernel/semaphore.hpp"
#include "ward/kernel/thread.hpp"
#include "ward/kernel/time.hpp"
#include "ward/kernel/timer.hpp"
