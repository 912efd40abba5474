/** The body of `PUT /products/:id`; every field is optional. */
export interface UpdateProductDto {
  name?: string;
  price?: number;
  costPrice?: number;
}
