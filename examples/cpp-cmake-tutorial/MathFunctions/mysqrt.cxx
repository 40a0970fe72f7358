#include "mysqrt.h"

#include <iostream>

namespace mathfunctions {
namespace detail {
// a hack square root calculation using simple operations (Newton's method)
double mysqrt(double x)
{
  if (x <= 0) {
    return 0;
  }
  double result = x;
  for (int i = 0; i < 10; ++i) {
    if (result <= 0) {
      result = 0.1;
    }
    const double delta = x - (result * result);
    result = result + 0.5 * delta / result;
  }
  return result;
}
}
}
