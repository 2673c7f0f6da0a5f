// temper.hpp — everything a Temper program needs (Keras: `import keras`).
#pragma once

#include "temper/activations.hpp"
#include "temper/autograd.hpp"
#include "temper/backend.hpp"
#include "temper/callbacks.hpp"
#include "temper/datasets.hpp"
#include "temper/error.hpp"
#include "temper/initializers.hpp"
#include "temper/layers.hpp"
#include "temper/losses.hpp"
#include "temper/metrics.hpp"
#include "temper/model.hpp"
#include "temper/ops.hpp"
#include "temper/optimizers.hpp"
#include "temper/regularizers.hpp"
#include "temper/schedules.hpp"
#include "temper/tensor.hpp"
